import pg from "pg";
import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "./generated/prisma/client.ts";

export type Db = PrismaClient;
export { PrismaClient };

/** One pool for raw SQL and Graphile Worker, one Prisma client on top of it. */
export type DbHandles = { prisma: PrismaClient; pool: pg.Pool; close(): Promise<void> };

const pools = new WeakMap<PrismaClient, pg.Pool>();

/**
 * The pg pool behind a Prisma client. Hot paths (job bookkeeping, the intelligence pipeline) send
 * raw SQL through it directly: a round trip costs ~0.25 ms here against ~1 ms through the ORM.
 */
export function poolOf(db: PrismaClient): pg.Pool {
  const pool = pools.get(db);
  if (!pool) throw new Error("this Prisma client was not made by createDb()");
  return pool;
}

export function createDb(databaseUrl: string, poolMax = 15): DbHandles {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: poolMax });
  // An idle client losing its connection must not crash the process; the pool replaces it.
  pool.on("error", () => {});
  pool.on("connect", (client) => client.on("error", () => {}));
  const prisma = new PrismaClient({ adapter: new PrismaPg(pool) });
  pools.set(prisma, pool);
  return {
    prisma,
    pool,
    async close() {
      await prisma.$disconnect();
      await pool.end();
    },
  };
}
