import type { Db } from "../../server/db.ts";
import type { Env } from "../../server/env.ts";
import { bindSource } from "../../server/services/connectors/sources.ts";
import type { Simulators } from "../../server/simulators/index.ts";

/**
 * Binds a Control Tower project to generated project `index` on every simulator. Syncs run by the
 * worker in tests are not paced (tests of the limits bind their own).
 */
export async function bindProjectToSims(db: Db, env: Env, sims: Simulators, projectId: string, index: number, isDemo = false) {
  const b = sims.bindings(index);
  for (const connector of ["chatwoot", "linear", "attio"] as const) {
    await bindSource(db, env, { projectId, connector, ...b[connector], isDemo, limits: { ratePerSecond: 1000 } });
  }
}

/** Fast retries for tests: no real waiting between attempts. */
// Tests do not wait: no backoff sleeps and no request-rate pacing (tests of the limits set their own).
export const fastHttp = { baseDelayMs: 1, maxDelayMs: 5, sleep: async () => {}, ratePerSecond: 100_000 };
