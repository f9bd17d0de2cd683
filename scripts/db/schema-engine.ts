// Prisma's own schema engine (the WebAssembly build) driven through @prisma/adapter-pg, so that
// migrate/diff work on machines that cannot download Prisma's native schema-engine binary.
// Must run under `node --experimental-wasm-modules` (see scripts/db/migrate.ts's npm script).
import fs from "node:fs";
import path from "node:path";
import pg from "pg";
import { PrismaPg } from "@prisma/adapter-pg";
import { bindMigrationAwareSqlAdapterFactory, ColumnTypeEnum } from "@prisma/driver-adapter-utils";

// adapter-pg 7.10 has no column-type mapping for PostgreSQL's internal one-byte type "char"
// (OID 18), which the engine's catalog queries return (relkind, contype, ...), and fails the whole
// introspection. Let pg report such columns as text (so adapter-pg accepts them), remember which
// columns they were, and hand them to the engine typed as Character, which is what it expects.
// Scoped to this tool's process.
const CHAR_OID = 18;
const TEXT_OID = 25;
const charColumnsByRows = new WeakMap<object, number[]>();
let patched = false;
function patchCharColumns(): void {
  if (patched) return;
  patched = true;
  type Res = { fields?: { dataTypeID: number }[]; rows?: object };
  const fix = <T>(res: T): T => {
    for (const r of (Array.isArray(res) ? res : [res]) as Res[]) {
      const idx: number[] = [];
      (r?.fields ?? []).forEach((f, i) => {
        if (f.dataTypeID === CHAR_OID) {
          f.dataTypeID = TEXT_OID;
          idx.push(i);
        }
      });
      if (idx.length && r.rows) charColumnsByRows.set(r.rows, idx);
    }
    return res;
  };
  const proto = pg.Client.prototype as unknown as { query: (...args: unknown[]) => unknown };
  const original = proto.query;
  proto.query = function (this: unknown, ...args: unknown[]) {
    const last = args[args.length - 1];
    if (typeof last === "function") {
      args[args.length - 1] = (err: unknown, res: unknown) => (last as (e: unknown, r: unknown) => void)(err, err ? res : fix(res));
    }
    const out = original.apply(this, args) as { then?: unknown } | undefined;
    return out && typeof out.then === "function" ? (out as Promise<unknown>).then(fix) : out;
  };
}

type QueryResult = { columnTypes: number[]; rows: object };
type Queryable = { queryRaw(q: unknown): Promise<QueryResult>; startTransaction?(i?: unknown): Promise<Queryable> };
function withCharColumns<T extends Queryable>(q: T): T {
  const queryRaw = q.queryRaw.bind(q);
  q.queryRaw = async (query: unknown) => {
    const out = await queryRaw(query);
    for (const i of charColumnsByRows.get(out.rows) ?? []) out.columnTypes[i] = ColumnTypeEnum.Character;
    return out;
  };
  if (q.startTransaction) {
    const start = q.startTransaction.bind(q);
    q.startTransaction = async (i?: unknown) => withCharColumns(await start(i));
  }
  return q;
}

// adapter-pg's executeScript splits a migration on every ";" (breaking $$-quoted function bodies and
// comments) and runs the pieces outside a transaction, so a failing migration is half-applied.
// Send the whole script as one simple-protocol query instead: PostgreSQL runs it as one implicit
// transaction, which is what Prisma's native engine does.
type ScriptAdapter = Queryable & { executeScript(script: string): Promise<void>; underlyingDriver(): pg.Pool | pg.PoolClient; onError?(e: unknown): never };
function withWholeScripts<T extends ScriptAdapter>(adapter: T): T {
  adapter.executeScript = async (script: string) => {
    try {
      await adapter.underlyingDriver().query(script);
    } catch (error) {
      if (adapter.onError) adapter.onError(error);
      throw error;
    }
  };
  return adapter;
}
function adaptedFactory(factory: PrismaPg): PrismaPg {
  const f = factory as unknown as { connect(): Promise<ScriptAdapter>; connectToShadowDb(): Promise<ScriptAdapter> };
  const connect = f.connect.bind(f);
  const connectShadow = f.connectToShadowDb.bind(f);
  f.connect = async () => withCharColumns(withWholeScripts(await connect()));
  f.connectToShadowDb = async () => withCharColumns(withWholeScripts(await connectShadow()));
  return factory;
}

export const MIGRATIONS_DIR = path.resolve(import.meta.dirname, "../../prisma/migrations");
export const SCHEMA_PATH = path.resolve(import.meta.dirname, "../../prisma/schema.prisma");

type Engine = {
  applyMigrations(input: unknown): Promise<{ appliedMigrationNames: string[] }>;
  diff(input: unknown): Promise<{ exitCode: number; stdout?: string | null }>;
  free(): void;
};

// The wasm build reports Rust panics through this global; without it a panic surfaces as an
// unrelated TypeError.
const panicRegistry = { message: "", set_message(m: string) { this.message = m; } };
(globalThis as Record<string, unknown>).PRISMA_WASM_PANIC_REGISTRY = panicRegistry;
export function lastEnginePanic(): string {
  return panicRegistry.message;
}

export async function openSchemaEngine(databaseUrl: string): Promise<Engine> {
  patchCharColumns();
  const { SchemaEngine } = (await import("@prisma/schema-engine-wasm")) as unknown as {
    SchemaEngine: { new: (o: unknown, cb: (l: string) => void, a: unknown) => Promise<Engine> };
  };
  const schema = fs.readFileSync(SCHEMA_PATH, "utf8");
  const adapter = bindMigrationAwareSqlAdapterFactory(adaptedFactory(new PrismaPg({ connectionString: databaseUrl })));
  return SchemaEngine.new({ datamodels: [["schema.prisma", schema]] }, () => {}, adapter);
}

export function schemaFiles() {
  return [{ path: "schema.prisma", content: fs.readFileSync(SCHEMA_PATH, "utf8") }];
}

export function migrationsList() {
  const dirs = fs
    .readdirSync(MIGRATIONS_DIR, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort();
  const lockPath = path.join(MIGRATIONS_DIR, "migration_lock.toml");
  return {
    baseDir: MIGRATIONS_DIR,
    lockfile: { path: "migration_lock.toml", content: fs.existsSync(lockPath) ? fs.readFileSync(lockPath, "utf8") : null },
    shadowDbInitScript: "",
    migrationDirectories: dirs.map((name) => ({
      path: name,
      migrationFile: { path: "migration.sql", content: { tag: "ok", value: fs.readFileSync(path.join(MIGRATIONS_DIR, name, "migration.sql"), "utf8") } },
    })),
  };
}

export const noFilters = { externalTables: [], externalEnums: [] };
