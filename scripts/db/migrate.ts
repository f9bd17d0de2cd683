// Prisma Migrate without the native binary: the same engine (WebAssembly build), the same
// prisma/migrations folders and the same _prisma_migrations bookkeeping as `prisma migrate deploy`.
//   deploy            apply pending migrations (default)
//   drift             print the SQL that would bring the database to schema.prisma; exit 2 if any
//   new <name>        write prisma/migrations/<timestamp>_<name>/migration.sql from the drift of the
//                     (migrated) database to schema.prisma
// Run through `npm run db:migrate -- <command>` (needs node --experimental-wasm-modules).
import fs from "node:fs";
import path from "node:path";
import { lastEnginePanic, MIGRATIONS_DIR, migrationsList, noFilters, openSchemaEngine, schemaFiles } from "./schema-engine.ts";
import { Logger, runMigrations } from "graphile-worker";
import { localDatabaseUrl } from "../../server/config/database-url.ts";
import { withoutHandManagedIndexes } from "./drift-filter.ts";

const databaseUrl = process.env.DATABASE_URL || localDatabaseUrl();

const quietLogger = new Logger(() => () => {});

export async function driftSql(url: string): Promise<string> {
  const engine = await openSchemaEngine(url);
  try {
    const res = await engine.diff({
      from: { tag: "schemaDatasource", files: schemaFiles(), configDir: "." },
      to: { tag: "schemaDatamodel", files: schemaFiles() },
      script: true,
      exitCode: null,
      filters: noFilters,
    });
    return withoutHandManagedIndexes((res.stdout ?? "").trim());
  } finally {
    engine.free();
  }
}


async function deploy(): Promise<void> {
  const engine = await openSchemaEngine(databaseUrl);
  try {
    const { appliedMigrationNames } = await engine.applyMigrations({ migrationsList: migrationsList(), filters: noFilters });
    console.log(appliedMigrationNames.length ? `applied: ${appliedMigrationNames.join(", ")}` : "database is up to date");
  } finally {
    engine.free();
  }
  // Graphile Worker keeps its own schema (graphile_worker.*) with its own bookkeeping.
  await runMigrations({ connectionString: databaseUrl, logger: quietLogger });
}

async function main(): Promise<void> {
  const [command = "deploy", name] = process.argv.slice(2);
  if (command === "deploy") return deploy();
  if (command === "drift") {
    const sql = await driftSql(databaseUrl);
    if (!sql || /^-- This is an empty migration\.?$/m.test(sql)) {
      console.log("no drift: the database matches prisma/schema.prisma");
      return;
    }
    console.log(sql);
    process.exitCode = 2;
    return;
  }
  if (command === "new") {
    if (!name || !/^[a-z0-9_]+$/.test(name)) throw new Error("usage: migrate new <snake_case_name>");
    const sql = await driftSql(databaseUrl);
    const stamp = new Date().toISOString().replace(/\D/g, "").slice(0, 14);
    const dir = path.join(MIGRATIONS_DIR, `${stamp}_${name}`);
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, "migration.sql"), sql + "\n");
    console.log(`wrote ${path.relative(process.cwd(), dir)}/migration.sql (review it: pgvector columns and HNSW indexes are added by hand)`);
    return;
  }
  throw new Error(`unknown command ${command}: use deploy | drift | new <name>`);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  if (lastEnginePanic()) console.error(`schema engine panic: ${lastEnginePanic()}`);
  process.exit(1);
});
