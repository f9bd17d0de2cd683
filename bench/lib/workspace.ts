import type { Db } from "../../server/db.ts";
import type { Env } from "../../server/env.ts";
import { bindSource } from "../../server/services/connectors/sources.ts";
import { CONNECTORS, runConnectorSync } from "../../server/services/connectors/sync.ts";
import type { GeneratorOptions } from "../../server/simulators/generator.ts";
import { startSimProcess, type SimProcess } from "./sim-process.ts";

// A generated agency workspace loaded the way production loads it: the simulators serve the
// generator's projects (in their own process), and every project is synced through the real
// connectors into the mirrors and the event log.

export type LoadedWorkspace = { workspaceId: string; projectIds: string[]; sims: SimProcess; ingestMs: number; domainEvents: number };

/** Runs `fn` over `items` with at most `limit` in flight. */
export async function inParallel<T>(items: T[], limit: number, fn: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      await fn(items[i]!, i);
    }
  }));
}

export async function loadWorkspace(db: Db, env: Env, opts: Omit<GeneratorOptions, "end"> & { end: Date; projects: number; concurrency?: number; log?: (msg: string) => void }): Promise<LoadedWorkspace> {
  const { concurrency = 4, log = () => {}, ...gen } = opts;
  const sims = await startSimProcess(gen);
  const ws = await db.workspace.create({ data: { slug: `bench-${Date.now()}`, name: "Bench Agency" } });
  const projectIds: string[] = [];
  for (let i = 0; i < gen.projects; i++) {
    const p = await db.project.create({ data: { workspaceId: ws.id, slug: `p${String(i).padStart(4, "0")}`, name: `Project ${i}` } });
    projectIds.push(p.id);
    for (const c of CONNECTORS) await bindSource(db, env, { projectId: p.id, connector: c, ...sims.bindings[i]![c], isDemo: false });
  }
  const t0 = performance.now();
  let done = 0;
  await inParallel(projectIds, concurrency, async (projectId) => {
    for (const connector of CONNECTORS) {
      // No client-side rate limit: the bench measures our code and the database, not a provider's budget.
      const res = await runConnectorSync(db, env, { projectId, connector, now: gen.end, http: { ratePerSecond: 1e6 } });
      if (res.status !== "ok") throw new Error(`${connector} sync of ${projectId} failed: ${JSON.stringify(res)}`);
    }
    if (++done % 100 === 0) log(`  synced ${done}/${projectIds.length} projects`);
  });
  const ingestMs = performance.now() - t0;
  const [row] = await db.$queryRaw<{ n: number }[]>`SELECT count(*)::int AS n FROM kag_event_log WHERE category = 'domain' AND project_id = ANY(${projectIds}::uuid[])`;
  return { workspaceId: ws.id, projectIds, sims, ingestMs, domainEvents: row?.n ?? 0 };
}
