import type { Db } from "../../db.ts";
import type { Prisma } from "../../generated/prisma/client.ts";

type Tx = Db | Prisma.TransactionClient;

// Bulk writes for the raw mirrors: one INSERT ... SELECT FROM unnest(...) ON CONFLICT DO UPDATE per
// batch, updating only rows whose values differ (so an unchanged re-sync writes nothing), and
// returning, for each written row, whether it is new and its previous values (read in the same
// statement), so callers emit events on transitions only.

export type ColType = "text" | "int4" | "int8" | "bool" | "timestamptz" | "date" | "float8" | "numeric" | "jsonb" | "text[]";
export type Column = { name: string; type: ColType };
export type Row = Record<string, unknown> & { project_id: string; external_id: string };
/** `old` holds the previous values of the `returnOld` columns (null for inserts, or when none were asked for). */
export type Written<Old> = { externalId: string; inserted: boolean; old: Old | null };

const BATCH = 1000;

// unnest() cannot carry arrays of arrays or jsonb directly: such columns travel as text.
const wire = (t: ColType) => (t === "jsonb" || t === "text[]" ? "text" : t);
const fromWire = (c: Column) =>
  c.type === "jsonb" ? `i."${c.name}"::jsonb` : c.type === "text[]" ? `ARRAY(SELECT jsonb_array_elements_text(i."${c.name}"::jsonb))` : `i."${c.name}"`;
const toWire = (c: Column, v: unknown) => {
  if (v === undefined || v === null) return null;
  if (c.type === "jsonb" || c.type === "text[]") return JSON.stringify(v);
  return v;
};

export async function bulkUpsert<Old = Record<string, unknown>>(
  db: Tx,
  table: string,
  columns: Column[],
  rows: Row[],
  opts: { returnOld?: string[] } = {},
): Promise<Written<Old>[]> {
  const all: Column[] = [{ name: "project_id", type: "text" }, { name: "external_id", type: "text" }, ...columns];
  const out: Written<Old>[] = [];
  const oldCols = ["external_id", ...(opts.returnOld ?? [])].map((c) => `x."${c}"`).join(", ");
  const input = `i AS (SELECT * FROM unnest(${all.map((c, n) => `$${n + 1}::${wire(c.type)}[]`).join(", ")}) AS t(${all.map((c) => `"${c.name}"`).join(", ")}))`;
  const upsert = `
    INSERT INTO "${table}" (project_id, external_id, ${columns.map((c) => `"${c.name}"`).join(", ")}, synced_at, deleted_at)
    SELECT i.project_id::uuid, i.external_id, ${columns.map(fromWire).join(", ")}, now(), NULL FROM i
    ON CONFLICT (project_id, external_id) DO UPDATE SET
      ${columns.map((c) => `"${c.name}" = EXCLUDED."${c.name}"`).join(", ")}, synced_at = EXCLUDED.synced_at, deleted_at = NULL
    WHERE (${columns.map((c) => `"${table}"."${c.name}"`).join(", ")}, "${table}".deleted_at) IS DISTINCT FROM (${columns.map((c) => `EXCLUDED."${c.name}"`).join(", ")}, NULL)`;
  const sql = `
    WITH ${input}, old AS (
      SELECT ${oldCols} FROM "${table}" x JOIN i ON x.project_id = i.project_id::uuid AND x.external_id = i.external_id
    ), up AS (${upsert} RETURNING external_id)
    SELECT up.external_id, row_to_json(old) AS old FROM up LEFT JOIN old ON old.external_id = up.external_id`;
  // Without previous values to return, skip reading the old rows: xmax = 0 marks a fresh insert.
  const sqlNoOld = `WITH ${input} ${upsert} RETURNING external_id, (xmax = 0) AS inserted`;
  const withOld = (opts.returnOld ?? []).length > 0;
  for (let i = 0; i < rows.length; i += BATCH) {
    const batch = rows.slice(i, i + BATCH);
    const params = all.map((c) => batch.map((r) => toWire(c, r[c.name])));
    if (withOld) {
      const res = await db.$queryRawUnsafe<{ external_id: string; old: Old | null }[]>(sql, ...params);
      for (const r of res) out.push({ externalId: r.external_id, inserted: r.old === null, old: r.old });
    } else {
      const res = await db.$queryRawUnsafe<{ external_id: string; inserted: boolean }[]>(sqlNoOld, ...params);
      for (const r of res) out.push({ externalId: r.external_id, inserted: r.inserted, old: null });
    }
  }
  return out;
}

/** Soft-deletes the rows of a project that a full scan did not see. Returns their ids. */
export async function softDeleteMissing(db: Tx, table: string, projectId: string, seenIds: string[], now: Date): Promise<string[]> {
  const res = await db.$queryRawUnsafe<{ external_id: string }[]>(
    // NOT IN (SELECT unnest(…)) runs as a hashed subplan; NOT (x = ANY(array)) scans the whole array per row.
    `UPDATE "${table}" t SET deleted_at = $3 WHERE project_id = $1::uuid AND deleted_at IS NULL
       AND t.external_id NOT IN (SELECT unnest($2::text[])) RETURNING external_id`,
    projectId, seenIds, now,
  );
  return res.map((r) => r.external_id);
}

/** Rows of one page and the events they cause commit together: a crash can lose neither alone. */
export function inTransaction<T>(db: Db, fn: (tx: Prisma.TransactionClient) => Promise<T>): Promise<T> {
  return db.$transaction(fn, { timeout: 120_000, maxWait: 30_000 });
}
