import pg from "pg";
import type { TestProject } from "vitest/node";
import { createMigratedDatabase, dropDatabase, scratchServerUrl } from "../../scripts/db/scratch.ts";

export { withDatabase } from "../../scripts/db/scratch.ts";

/**
 * Builds a fresh template database with every migration applied; each test file clones it. The
 * template is named per run, so two test runs on one server (a developer's and a helper's) never
 * drop each other's template halfway; it is dropped when the run ends.
 */
export default async function setup(project: TestProject) {
  const admin = scratchServerUrl();
  await dropStaleTemplates(admin);
  const template = `ct_test_template_${process.pid}`;
  await createMigratedDatabase(admin, template);
  project.provide("adminDatabaseUrl", admin);
  project.provide("templateDatabase", template);
  return async () => {
    await dropDatabase(admin, template).catch(() => {});
  };
}

declare module "vitest" {
  export interface ProvidedContext {
    adminDatabaseUrl: string;
    templateDatabase: string;
  }
}

/** Templates of runs that were killed before their teardown (their process is gone). */
async function dropStaleTemplates(admin: string) {
  const client = new pg.Client({ connectionString: admin });
  await client.connect();
  try {
    const { rows } = await client.query<{ datname: string }>(`SELECT datname FROM pg_database WHERE datname LIKE 'ct\\_test\\_template\\_%'`);
    for (const { datname } of rows) {
      const pid = Number(datname.slice("ct_test_template_".length));
      if (!pid || pid === process.pid || isAlive(pid)) continue;
      await dropDatabase(admin, datname).catch(() => {});
    }
  } finally {
    await client.end();
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}
