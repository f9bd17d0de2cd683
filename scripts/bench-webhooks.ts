// npm run bench:webhooks — a new Chatwoot message, announced by its signed webhook: how long until its
// event is in kag_event_log (target p95 ≤ 2 s), and how long the receiver takes to answer (target
// < 50 ms), through the real HTTP app, the real worker process (jobs/worker.ts, poll interval 1 s)
// and the Chatwoot simulator, with the provider's default request limits. Baseline in the same run:
// the same change by polling — one chatwoot_sync run (the poll's own cost) plus the wait for the
// 15-minute cadence, which averages half the cadence.
import type { AddressInfo } from "node:net";
import { benchDatabase, benchEnv, fmt, newProject, printTable } from "../bench/lib/harness.ts";
import { createApp } from "../server/http/app.ts";
import { createLogger } from "../server/logger.ts";
import { bindSource } from "../server/services/connectors/sources.ts";
import { runConnectorSync } from "../server/services/connectors/sync.ts";
import { dedupeKey } from "../server/services/events/event-log.ts";
import { SCHEDULED_TASKS } from "../server/services/jobs/catalog.ts";
import { enqueueProjectJob } from "../server/services/jobs/enqueue.ts";
import { ensureScheduledJobs } from "../server/services/jobs/scheduler.ts";
import { regenerateEndpoint, webhookStatus } from "../server/services/webhooks/endpoints.ts";
import { SIM_CHATWOOT_TOKEN, startSimulators } from "../server/simulators/index.ts";
import { chatwootMessageEvent, sendWebhook } from "../server/simulators/webhook-sender.ts";
import { startWorkerProcess, waitFor } from "../tests/helpers/worker-process.ts";

const N = Number(process.env.BENCH_WEBHOOKS ?? 30);
const POLLS = Number(process.env.BENCH_WEBHOOK_POLLS ?? 5);
const GAP_MS = 400;

const env = benchEnv({ KAG_ENABLED: "false" });
const db = await benchDatabase();
const sims = await startSimulators({ seed: 7, days: 30, end: new Date(), projects: 1 });
let worker: ReturnType<typeof startWorkerProcess> | undefined;
const server = createApp({ db: db.prisma, pool: db.pool, env, logger: createLogger("silent", "bench") }).app.listen(0, "127.0.0.1");
try {
  const project = await newProject(db.prisma, "webhooks");
  const b = sims.bindings(0).chatwoot;
  await bindSource(db.prisma, env, { projectId: project.id, connector: "chatwoot", externalId: b.externalId, baseUrl: b.baseUrl, token: b.token });
  // Nothing scheduled: only the webhook (or the baseline's explicit sync) brings changes in.
  await ensureScheduledJobs(db.prisma, { now: new Date() });
  await db.prisma.scheduledJob.updateMany({ data: { enabled: false } });
  await runConnectorSync(db.prisma, env, { projectId: project.id, connector: "chatwoot", now: new Date() });
  const actor = { type: "system" as const, workspaceId: project.workspaceId };
  await regenerateEndpoint(db.prisma, env, { projectId: project.id, connector: "chatwoot", actor, now: new Date() });
  if (!server.listening) await new Promise((r) => server.once("listening", r));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const hook = (await webhookStatus(db.prisma, env, { projectId: project.id, origin, withSecrets: true, now: new Date() }))[0]!;
  worker = startWorkerProcess(db.url, { SESSION_SECRET: env.SESSION_SECRET, NODE_ENV: "test", KAG_ENABLED: "false" });
  await waitFor(async () => (await db.prisma.workerRun.count()) > 0, 60_000);

  const acct = Number(b.externalId);
  const conv = sims.workspace.byChatwootAccount(acct)!.chatwoot.conversations[0]!;
  const newMessage = async (content: string) => {
    const res = await fetch(`${sims.chatwoot.url}/api/v1/accounts/${acct}/conversations/${conv.id}/messages`, {
      method: "POST", headers: { "content-type": "application/json", api_access_token: SIM_CHATWOOT_TOKEN }, body: JSON.stringify({ content, message_type: "incoming" }),
    });
    return ((await res.json()) as { id: number }).id;
  };
  const arrived = (id: number) => db.prisma.eventLog.count({ where: { projectId: project.id, dedupeKey: dedupeKey("chatwoot", String(acct), "message", id) } }).then((n) => n > 0);

  const webhook: number[] = [];
  const ackClient: number[] = [];
  const ackServer: number[] = [];
  for (let i = 0; i < N; i++) {
    const id = await newMessage(`Webhook bench message ${i}: can we add one more report?`);
    const t0 = performance.now();
    const res = await sendWebhook(hook.url!, chatwootMessageEvent(sims.workspace, { accountId: acct, conversationId: conv.id, messageId: id }), { secret: hook.secret! });
    if (res.status !== 200) throw new Error(`webhook answered ${res.status}: ${JSON.stringify(res.body)}`);
    ackClient.push(res.ms);
    ackServer.push(res.serverMs);
    if (!(await waitFor(() => arrived(id), 30_000, 10))) throw new Error(`message ${id} never reached the event log`);
    webhook.push(performance.now() - t0);
    await new Promise((r) => setTimeout(r, GAP_MS));
  }

  // Baseline: the same change by polling. The sync itself (a chatwoot_sync job through the same worker)…
  const polled: number[] = [];
  for (let i = 0; i < POLLS; i++) {
    const id = await newMessage(`Polling bench message ${i}`);
    const t0 = performance.now();
    await enqueueProjectJob(db.prisma, { task: "chatwoot_sync", payload: { projectId: project.id, trigger: "manual" }, maxAttempts: 1 });
    if (!(await waitFor(() => arrived(id), 30_000, 10))) throw new Error(`message ${id} never arrived by polling`);
    polled.push(performance.now() - t0);
  }
  // …plus the wait for the next poll: uniform over the cadence (mean half of it, p95 95 % of it).
  const cadenceMs = SCHEDULED_TASKS.find((t) => t.task === "connectors_sync_cycle")!.defaultCadenceSeconds * 1000;

  const q = (xs: number[], p: number) => [...xs].sort((a, c) => a - c)[Math.min(xs.length - 1, Math.ceil((p / 100) * xs.length) - 1)]!;
  const row = (name: string, xs: number[], unit = "ms") => [name, String(xs.length), fmt(q(xs, 50), 1), fmt(q(xs, 95), 1), fmt(Math.max(...xs), 1), unit];
  printTable([
    ["measure", "n", "p50", "p95", "max", ""],
    row("webhook ack (receiver's own time)", ackServer),
    row("webhook ack (client round trip)", ackClient),
    row("webhook → event in kag_event_log", webhook),
    row("polling: one chatwoot_sync run", polled),
    ["polling: change → event (cadence 15 min)", String(POLLS), fmt((cadenceMs / 2 + q(polled, 50)) / 1000, 0), fmt((0.95 * cadenceMs + q(polled, 95)) / 1000, 0), fmt((cadenceMs + Math.max(...polled)) / 1000, 0), "s"],
  ]);
  const p95 = q(webhook, 95);
  console.log(`\nwebhook → event p95 ${fmt(p95, 0)} ms (target ≤ 2,000 ms: ${p95 <= 2000 ? "met" : "MISSED"}); receiver p95 ${fmt(q(ackServer, 95), 1)} ms (target < 50 ms: ${q(ackServer, 95) < 50 ? "met" : "MISSED"})`);
} finally {
  await worker?.stop();
  server.close();
  await sims.close();
  await db.drop();
}
