// The simulator process of startSimProcess: generator options in SIM_OPTIONS, bindings out on stdout.
import { startSimulators } from "../../server/simulators/index.ts";

const raw = JSON.parse(process.env.SIM_OPTIONS ?? "{}") as { end: string; projects: number } & Record<string, unknown>;
const sims = await startSimulators({ ...(raw as unknown as Parameters<typeof startSimulators>[0]), end: new Date(raw.end) });
process.stdout.write(`${JSON.stringify(Array.from({ length: raw.projects }, (_, i) => sims.bindings(i)))}\n`);
process.on("SIGTERM", () => void sims.close().then(() => process.exit(0)));
