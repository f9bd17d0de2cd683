import { randomBytes } from "node:crypto";
import { createDb, type DbHandles } from "../../server/db.ts";
import { parseEnv, type Env } from "../../server/env.ts";
import { createMigratedDatabase, dropDatabase, scratchServerUrl } from "../../scripts/db/scratch.ts";

// Benchmarks run on a throwaway, fully migrated database of the development server (the
// project-local cluster unless TEST_DATABASE_URL says otherwise), dropped at the end.

export type BenchDb = DbHandles & { url: string; drop(): Promise<void> };

export async function benchDatabase(): Promise<BenchDb> {
  const admin = scratchServerUrl();
  const name = `ct_bench_${randomBytes(4).toString("hex")}`;
  const url = await createMigratedDatabase(admin, name);
  const handles = createDb(url, 8);
  return {
    ...handles,
    url,
    async drop() {
      await handles.close().catch(() => {});
      await dropDatabase(admin, name);
    },
  };
}

export async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const t0 = performance.now();
  const value = await fn();
  return { ms: performance.now() - t0, value };
}

export const fmt = (n: number, digits = 0) => n.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits });

/** Prints a fixed-width table: the first row is the header. */
export function printTable(rows: (string | number)[][]): void {
  const cells = rows.map((r) => r.map(String));
  const widths = cells[0]!.map((_, i) => Math.max(...cells.map((r) => r[i]?.length ?? 0)));
  for (const [n, r] of cells.entries()) {
    console.log(r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  "));
    if (n === 0) console.log(widths.map((w) => "-".repeat(w)).join("  "));
  }
}

export async function newProject(db: DbHandles["prisma"], slug: string) {
  const ws = await db.workspace.upsert({ where: { slug: "bench" }, create: { slug: "bench", name: "Bench Agency" }, update: {} });
  return db.project.create({ data: { workspaceId: ws.id, slug, name: slug } });
}

export const benchEnv = (overrides: Record<string, string> = {}): Env =>
  parseEnv({ NODE_ENV: "test", LOG_LEVEL: "silent", SESSION_SECRET: "bench-secret-bench-secret-bench-secret", ...overrides });
