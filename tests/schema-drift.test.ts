import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDb, type TestDb } from "./helpers/db.ts";

const ROOT = path.resolve(import.meta.dirname, "..");
const MIGRATIONS = path.join(ROOT, "prisma/migrations");

function migrateCli(url: string, ...args: string[]) {
  return spawnSync(process.execPath, ["--experimental-wasm-modules", "--no-warnings", "--import", "tsx", "scripts/db/migrate.ts", ...args], {
    cwd: ROOT, encoding: "utf8", env: { ...process.env, DATABASE_URL: url },
  });
}

let db: TestDb;
beforeAll(async () => {
  db = await createTestDb();
});
afterAll(() => db.drop());

describe("migrations", () => {
  it("leave the database exactly as prisma/schema.prisma describes it (Prisma's own diff)", () => {
    const res = migrateCli(db.url, "drift");
    expect(res.stderr).toBe("");
    expect(res.stdout).toContain("no drift");
    expect(res.status).toBe(0);
  });

  it("keep Prisma's _prisma_migrations bookkeeping (names and sha256 checksums of migration.sql)", async () => {
    const rows = await db.prisma.$queryRaw<{ migration_name: string; checksum: string; finished_at: Date | null }[]>`
      SELECT migration_name, checksum, finished_at FROM _prisma_migrations ORDER BY migration_name`;
    const dirs = fs.readdirSync(MIGRATIONS, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort();
    expect(rows.map((r) => r.migration_name)).toEqual(dirs);
    for (const r of rows) {
      const sql = fs.readFileSync(path.join(MIGRATIONS, r.migration_name, "migration.sql"));
      expect(r.checksum).toBe(createHash("sha256").update(sql).digest("hex"));
      expect(r.finished_at).not.toBeNull();
    }
  });

  it("create the pgvector HNSW indexes Prisma's schema cannot express, and the drift check tolerates only those", async () => {
    const idx = await db.prisma.$queryRaw<{ indexname: string; indexdef: string }[]>`SELECT indexname, indexdef FROM pg_indexes WHERE indexname LIKE '%_hnsw'`;
    expect(idx.map((i) => i.indexname)).toContain("case_signatures_signature_hnsw");
    expect(idx.find((i) => i.indexname === "case_signatures_signature_hnsw")!.indexdef).toMatch(/USING hnsw \(signature vector_l2_ops\)/);
    const { withoutHandManagedIndexes } = await import("../scripts/db/drift-filter.ts");
    expect(withoutHandManagedIndexes('-- DropIndex\nDROP INDEX "case_signatures_signature_hnsw";')).toBe("");
    const other = '-- DropIndex\nDROP INDEX "case_signatures_signature_hnsw";\n\n-- AlterTable\nALTER TABLE "projects" ADD COLUMN "x" TEXT;';
    expect(withoutHandManagedIndexes(other)).toBe('-- AlterTable\nALTER TABLE "projects" ADD COLUMN "x" TEXT;');
    expect(withoutHandManagedIndexes('-- DropIndex\nDROP INDEX "projects_slug_idx";')).toBe('-- DropIndex\nDROP INDEX "projects_slug_idx";');
  });

  it("deploy is idempotent", () => {
    const res = migrateCli(db.url, "deploy");
    expect(res.status).toBe(0);
    expect(res.stdout).toContain("database is up to date");
  });

  it("the drift check notices a database that no longer matches the schema", async () => {
    await db.prisma.$executeRawUnsafe(`ALTER TABLE projects ADD COLUMN stray_column text`);
    const res = migrateCli(db.url, "drift");
    expect(res.status).toBe(2);
    expect(res.stdout).toMatch(/DROP COLUMN "stray_column"/);
    await db.prisma.$executeRawUnsafe(`ALTER TABLE projects DROP COLUMN stray_column`);
  });

  it("installs pgvector and Graphile Worker's schema", async () => {
    const ext = await db.prisma.$queryRaw<{ extname: string }[]>`SELECT extname FROM pg_extension WHERE extname = 'vector'`;
    expect(ext).toHaveLength(1);
    const gw = await db.prisma.$queryRaw<{ n: number }[]>`SELECT count(*)::int AS n FROM information_schema.routines WHERE routine_schema = 'graphile_worker' AND routine_name = 'add_job'`;
    expect(gw[0]!.n).toBeGreaterThan(0);
  });
});
