import fs from "node:fs";
import path from "node:path";
import type { Db } from "../db.ts";

export type ComponentStatus = { ok: boolean; detail: string; [k: string]: unknown };
export type HealthReport = { status: "ok" | "degraded"; checkedAt: string; components: Record<"database" | "migrations" | "worker" | "pgvector", ComponentStatus> };

const MIGRATIONS_DIR = path.resolve(import.meta.dirname, "../../prisma/migrations");

export function migrationNamesOnDisk(dir = MIGRATIONS_DIR): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort();
}

/** Per-component health. Any failing component makes the report "degraded" (HTTP 503). */
export async function checkHealth(db: Db, input: { now: Date; workerStaleSeconds: number }): Promise<HealthReport> {
  const components = {} as HealthReport["components"];
  const started = Date.now();
  try {
    await db.$queryRaw`SELECT 1`;
    components.database = { ok: true, detail: "reachable", latencyMs: Date.now() - started };
  } catch (e) {
    components.database = { ok: false, detail: `unreachable: ${(e as Error).message.slice(0, 200)}` };
    components.migrations = { ok: false, detail: "database unreachable" };
    components.worker = { ok: false, detail: "database unreachable" };
    components.pgvector = { ok: false, detail: "database unreachable" };
    return { status: "degraded", checkedAt: input.now.toISOString(), components };
  }

  try {
    const applied = await db.$queryRaw<{ migration_name: string }[]>`
      SELECT migration_name FROM _prisma_migrations WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL`;
    const failed = await db.$queryRaw<{ n: number }[]>`
      SELECT count(*)::int AS n FROM _prisma_migrations WHERE finished_at IS NULL AND rolled_back_at IS NULL`;
    const appliedSet = new Set(applied.map((r) => r.migration_name));
    const pending = migrationNamesOnDisk().filter((m) => !appliedSet.has(m));
    const failedCount = failed[0]?.n ?? 0;
    components.migrations = {
      ok: pending.length === 0 && failedCount === 0,
      detail: failedCount ? `${failedCount} failed migration(s)` : pending.length ? `${pending.length} pending` : `${appliedSet.size} applied`,
      applied: appliedSet.size,
      pending,
    };
  } catch {
    components.migrations = { ok: false, detail: "no migrations applied (_prisma_migrations missing)" };
  }

  const hb = await db.workerRun.findFirst({ where: { stoppedAt: null }, orderBy: { heartbeatAt: "desc" } });
  const age = hb ? Math.round((input.now.getTime() - hb.heartbeatAt.getTime()) / 1000) : null;
  components.worker =
    age === null
      ? { ok: false, detail: "no running worker has reported", heartbeatAgeSeconds: null }
      : { ok: age <= input.workerStaleSeconds, detail: age <= input.workerStaleSeconds ? "heartbeat fresh" : `heartbeat ${age}s old`, heartbeatAgeSeconds: age, workerId: hb!.id };

  const ext = await db.$queryRaw<{ extversion: string }[]>`SELECT extversion FROM pg_extension WHERE extname = 'vector'`;
  components.pgvector = ext[0] ? { ok: true, detail: `vector ${ext[0].extversion}`, version: ext[0].extversion } : { ok: false, detail: "extension 'vector' not installed" };

  const ok = Object.values(components).every((c) => c.ok);
  return { status: ok ? "ok" : "degraded", checkedAt: input.now.toISOString(), components };
}
