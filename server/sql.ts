import type pg from "pg";
import { poolOf, type Db } from "./db.ts";

// Tagged-template SQL straight through the pg driver, for the hot paths (the intelligence pipeline
// runs for every project every day): a round trip costs ~0.25 ms here against ~1 ms through the ORM,
// whose argument processing dominated the pipeline's CPU profile.
//
//   const rows = await sql(db)<{ id: string }>`SELECT id FROM projects WHERE id = ${projectId}::uuid`;
//
// Values become $n parameters (bigint → text; pass JSON as JSON.stringify(...) with ::jsonb). Results
// are the driver's: int4/float8/bool/jsonb/timestamptz arrive typed, int8 and numeric as strings —
// cast in SQL (::int, ::float8) where a number is wanted.

export type Sql = <T = Record<string, unknown>>(strings: TemplateStringsArray, ...values: unknown[]) => Promise<T[]>;
type Queryable = Pick<pg.Pool | pg.PoolClient, "query">;

function build(strings: TemplateStringsArray, values: unknown[]): { text: string; values: unknown[] } {
  let text = strings[0]!;
  for (let i = 0; i < values.length; i++) text += `$${i + 1}${strings[i + 1]}`;
  return { text, values: values.map((v) => (typeof v === "bigint" ? v.toString() : v)) };
}

function sqlOn(q: Queryable): Sql {
  return async <T,>(strings: TemplateStringsArray, ...values: unknown[]) => {
    const { text, values: params } = build(strings, values);
    return (await q.query(text, params)).rows as T[];
  };
}

export function sql(db: Db): Sql {
  return sqlOn(poolOf(db));
}

/** Runs `fn` in one transaction on one connection (rolled back if it throws). */
export async function sqlTransaction<T>(db: Db, fn: (sql: Sql) => Promise<T>): Promise<T> {
  const client = await poolOf(db).connect();
  try {
    await client.query("BEGIN");
    const out = await fn(sqlOn(client));
    await client.query("COMMIT");
    return out;
  } catch (e) {
    await client.query("ROLLBACK").catch(() => {});
    throw e;
  } finally {
    client.release();
  }
}
