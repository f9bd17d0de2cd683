// Serves the demo workspace's Chatwoot, Linear, Attio and Loops simulators on fixed loopback ports
// (started by `npm run demo`). Synced data from them is flagged as demo data everywhere.
import { demoEpoch, demoGeneratorOptions } from "../server/simulators/demo.ts";
import { startSimulators } from "../server/simulators/index.ts";

const sims = await startSimulators(demoGeneratorOptions(demoEpoch()));
// Evidence links in the app open read-only pages on these same origins (docs/connectors.md).
console.error(`[simulators] chatwoot ${sims.chatwoot.url} · linear ${sims.linear.url} · attio ${sims.attio.url} · loops ${sims.loops.url}`);
const stop = () => void sims.close().then(() => process.exit(0));
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
