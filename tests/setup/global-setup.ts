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
