// Throwaway databases on the development server, for tests and benchmarks: find the server
// (TEST_DATABASE_URL, else the project-local cluster, started if needed) and create a database there
// with every migration applied.
import { spawnSync } from "node:child_process";
import path from "node:path";
import pg from "pg";

const ROOT = path.resolve(import.meta.dirname, "../..");

/** The admin URL of a server where databases may be created: TEST_DATABASE_URL, else the local cluster. */
export function scratchServerUrl(): string {
  if (process.env.TEST_DATABASE_URL) return process.env.TEST_DATABASE_URL;
  const res = spawnSync("bash", [path.join(ROOT, "scripts/db/up.sh")], { encoding: "utf8", env: { ...process.env, DATABASE_URL: "" } });
  if (res.status !== 0) throw new Error(`could not provision PostgreSQL:\n${res.stderr}`);
  return res.stdout.trim().split("\n").pop()!;
}

export const withDatabase = (url: string, db: string) => {
  const u = new URL(url);
  u.pathname = `/${db}`;
  return u.toString();
};

async function admin<T>(adminUrl: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

export const dropDatabase = (adminUrl: string, name: string) => admin(adminUrl, (c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => undefined);

/** (Re)creates database `name` and applies every migration (Prisma's and Graphile Worker's). Returns its URL. */
export async function createMigratedDatabase(adminUrl: string, name: string): Promise<string> {
  await admin(adminUrl, async (c) => {
    await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await c.query(`CREATE DATABASE ${name}`);
  });
  const url = withDatabase(adminUrl, name);
  const migrate = spawnSync(
    process.execPath,
    ["--experimental-wasm-modules", "--no-warnings", "--import", "tsx", path.join(ROOT, "scripts/db/migrate.ts"), "deploy"],
    { encoding: "utf8", env: { ...process.env, DATABASE_URL: url }, cwd: ROOT },
  );
  if (migrate.status !== 0) throw new Error(`migrations failed on ${name}:\n${migrate.stdout}\n${migrate.stderr}`);
  return url;
}
