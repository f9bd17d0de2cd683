import type { TestProject } from "vitest/node";
import { createMigratedDatabase, scratchServerUrl } from "../../scripts/db/scratch.ts";

export { withDatabase } from "../../scripts/db/scratch.ts";
export const TEMPLATE_DB = "ct_test_template";

/** Builds a fresh template database with every migration applied; each test file clones it. */
export default async function setup(project: TestProject) {
  const admin = scratchServerUrl();
  await createMigratedDatabase(admin, TEMPLATE_DB);
  project.provide("adminDatabaseUrl", admin);
}

declare module "vitest" {
  export interface ProvidedContext {
    adminDatabaseUrl: string;
  }
}
