import { startAttioSim } from "./attio-sim.ts";
import { startChatwootSim } from "./chatwoot-sim.ts";
import { createWorkspace, type GeneratorOptions, type Workspace } from "./generator.ts";
import { startLinearSim } from "./linear-sim.ts";
import { startLoopsSim } from "./loops-sim.ts";

export const SIM_CHATWOOT_TOKEN = "cw-sim-token";
export const SIM_LOOPS_KEY = "loops-sim-key";

/** All four simulators over one generated workspace, on 127.0.0.1 ephemeral ports. */
export async function startSimulators(opts: GeneratorOptions & { projects: number; basePort?: number }) {
  const workspace = createWorkspace(opts);
  const port = (n: number) => (opts.basePort ? opts.basePort + n : undefined);
  const [chatwoot, linear, attio, loops] = await Promise.all([
    startChatwootSim(workspace, SIM_CHATWOOT_TOKEN, port(0)), startLinearSim(workspace, port(1)), startAttioSim(workspace, port(2)), startLoopsSim(SIM_LOOPS_KEY, port(3)),
  ]);
  return {
    workspace, chatwoot, linear, attio, loops,
    /** How a project bound to generated project `index` reaches each simulator. */
    bindings(index: number) {
      const p = workspace.project(index)!;
      return {
        chatwoot: { externalId: String(p.chatwoot.accountId), baseUrl: chatwoot.url, token: SIM_CHATWOOT_TOKEN },
        linear: { externalId: p.linear.workspaceId, baseUrl: linear.url, token: `lin_api_${p.linear.workspaceId}` },
        attio: { externalId: p.attio.workspaceId, baseUrl: attio.url, token: `attio_${p.attio.workspaceId}` },
        loops: { externalId: "loops-sim", baseUrl: loops.url, token: SIM_LOOPS_KEY },
      };
    },
    async close() {
      await Promise.all([chatwoot.close(), linear.close(), attio.close(), loops.close()]);
    },
  };
}
export type Simulators = Awaited<ReturnType<typeof startSimulators>>;
export type { Workspace };
