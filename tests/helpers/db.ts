import { randomBytes } from "node:crypto";
import pg from "pg";
import { inject } from "vitest";
import { createDb, type DbHandles } from "../../server/db.ts";
import { withDatabase } from "../setup/global-setup.ts";

export type TestDb = DbHandles & { url: string; name: string; drop(): Promise<void> };

/** A private database cloned from the migrated template (fast: a file copy inside PostgreSQL). */
export async function createTestDb(): Promise<TestDb> {
  const admin = inject("adminDatabaseUrl");
  const name = `ct_t_${randomBytes(6).toString("hex")}`;
  const client = new pg.Client({ connectionString: admin });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${name} TEMPLATE ${inject("templateDatabase")}`);
  } finally {
    await client.end();
  }
  const url = withDatabase(admin, name);
  const handles = createDb(url, 10);
  return {
    ...handles,
    url,
    name,
    async drop() {
      await handles.close().catch(() => {});
      const c = new pg.Client({ connectionString: admin });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}
