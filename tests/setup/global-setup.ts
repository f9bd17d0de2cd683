import { spawnSync } from "node:child_process";
import path from "node:path";
import pg from "pg";
import type { TestProject } from "vitest/node";

export const TEMPLATE_DB = "ct_test_template";
const ROOT = path.resolve(import.meta.dirname, "../..");

/** The admin URL of the server tests run on: TEST_DATABASE_URL, else the project-local cluster. */
function serverUrl(): string {
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

/** Builds a fresh template database with every migration applied; each test file clones it. */
export default async function setup(project: TestProject) {
  const admin = serverUrl();
  const client = new pg.Client({ connectionString: admin });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS ${TEMPLATE_DB} WITH (FORCE)`);
    await client.query(`CREATE DATABASE ${TEMPLATE_DB}`);
  } finally {
    await client.end();
  }
  const migrate = spawnSync(
    process.execPath,
    ["--experimental-wasm-modules", "--no-warnings", "--import", "tsx", path.join(ROOT, "scripts/db/migrate.ts"), "deploy"],
    { encoding: "utf8", env: { ...process.env, DATABASE_URL: withDatabase(admin, TEMPLATE_DB) }, cwd: ROOT },
  );
  if (migrate.status !== 0) throw new Error(`migrations failed on the test template:\n${migrate.stdout}\n${migrate.stderr}`);
  project.provide("adminDatabaseUrl", admin);
}

declare module "vitest" {
  export interface ProvidedContext {
    adminDatabaseUrl: string;
  }
}
