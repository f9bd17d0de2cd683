import pg from "pg";
import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "./generated/prisma/client.ts";

export type Db = PrismaClient;
export { PrismaClient };

/** One pool for raw SQL and Graphile Worker, one Prisma client on top of it. */
export type DbHandles = { prisma: PrismaClient; pool: pg.Pool; close(): Promise<void> };

export function createDb(databaseUrl: string, poolMax = 15): DbHandles {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: poolMax });
  // An idle client losing its connection must not crash the process; the pool replaces it.
  pool.on("error", () => {});
  pool.on("connect", (client) => client.on("error", () => {}));
  const prisma = new PrismaClient({ adapter: new PrismaPg(pool) });
  return {
    prisma,
    pool,
    async close() {
      await prisma.$disconnect();
      await pool.end();
    },
  };
}
