// Words for the background work: a PM-readable name and one-line description per task, and a label
// per run counter. The technical names (server/services/jobs/catalog.ts, jobs/task-list.ts) stay
// visible on hover or in a details row. A task or counter missing here still reads sensibly: its
// technical name is turned into words.

import { DEFAULT_LOCALE, formatNumber } from "./format.ts";

export type TaskInfo = { name: string; description: string };

export const TASKS: Record<string, TaskInfo> = {
  connectors_sync_cycle: { name: "Sync from Chatwoot, Linear and Attio", description: "Brings in new conversations, issues and deals from every connected account." },
  chatwoot_sync: { name: "Sync from Chatwoot", description: "Brings in new and changed conversations, messages and contacts." },
  linear_sync: { name: "Sync from Linear", description: "Brings in new and changed issues, projects, states and cycles." },
  attio_sync: { name: "Sync from Attio", description: "Brings in new and changed companies, people, deals and notes." },
  webhook_apply: { name: "Apply webhooks", description: "Brings in what a Chatwoot, Linear or Attio webhook announced, seconds after it arrived (the same sync, for one connector)." },
  webhook_receive: { name: "Webhook receiver", description: "Checks the signature of each webhook delivery; refused ones are listed as warnings." },
  loops_contacts_sync: { name: "Send contacts to Loops", description: "Keeps the project's client contacts up to date in Loops." },
  signals_extraction: { name: "Update signals", description: "Recomputes the ten signals (waiting on client, blockers, scope, budget…) from the latest activity." },
  health_scoring: { name: "Update health and risk scores", description: "Scores health, risk, client value and upsell likelihood from the signals." },
  kag_recommendations_refresh: { name: "Refresh forecasts and recommendations", description: "Updates the risk forecast and the suggested next actions." },
  embeddings_run: { name: "Index content for search", description: "Makes new messages, issues and notes findable in Messages & search." },
  message_understanding: { name: "Read messages", description: "Finds scope requests, new needs, approval requests and questions in messages, and their tone (the local model; the language model too when configured)." },
  understanding_retrain: { name: "Learn from corrections", description: "Retrains the workspace's message model with the corrections people made, and measures whether it got better." },
  kag_daily_pipeline: { name: "Daily intelligence pipeline", description: "Once a day: snapshot, forecast, recommendations and what happened after earlier ones." },
  kag_backfill: { name: "Rebuild history", description: "Recomputes past days' snapshots and forecasts, e.g. after connecting a project." },
  daily_digest: { name: "Daily digest", description: "Writes yesterday's summary of the project." },
  weekly_digest: { name: "Weekly digest", description: "Writes last week's summary of the project." },
  portfolio_digest: { name: "Portfolio digest", description: "Writes each reader's summary across their projects." },
  upsell_radar: { name: "Upsell radar", description: "Looks for upsell openings in client messages and open deals." },
  analytics_aggregates: { name: "30-day figures", description: "Counts the last 30 days of communication, delivery and pipeline." },
  campaign_scheduler: { name: "Send follow-up sequences", description: "Sends the due steps of follow-up sequences and stops when the client answers." },
  case_signatures_refresh: { name: "Update similar-case fingerprints", description: "Rebuilds what Similar cases compares projects by." },
  event_log_retention: { name: "Event log clean-up", description: "Removes old system activity and job history; client and project events are kept." },
  scheduler_tick: { name: "Scheduler", description: "Every minute: starts the project jobs that are due." },
  maintenance: { name: "Maintenance", description: "Hourly: removes expired sessions and old records, recovers work of stopped workers." },
  connector_errors_retry: { name: "Retry failed syncs", description: "Retries syncs that failed, with growing pauses between attempts." },
  recommendation_action: { name: "Recommendation action", description: "Carries out an action started from a recommendation (a message, a task…)." },
  recommendation_reminder: { name: "Recommendation reminder", description: "Raises a reminder set from a recommendation when it is due." },
};

/** "kag_daily_pipeline" → "Kag daily pipeline": the fallback for a task not in the catalogue. */
const words = (technical: string) => {
  const s = technical.replace(/([a-z0-9])([A-Z])/g, "$1 $2").replace(/[_-]+/g, " ").trim().toLowerCase();
  return s ? s[0]!.toUpperCase() + s.slice(1) : technical;
};

export function taskInfo(task: string): TaskInfo {
  return TASKS[task] ?? { name: words(task), description: "" };
}
export const taskName = (task: string) => taskInfo(task).name;

// ---------------------------------------------------------------------------------------------------
// Counters. [one, other]; the order of this table is the order they are shown in: what the run
// produced first, how it went about it (pages, requests, retries) last.

type Label = readonly [one: string, other: string];

const COUNTERS: Record<string, Label> = {
  eventsWritten: ["event written", "events written"],
  messagesWritten: ["message saved", "messages saved"],
  messagesUnderstood: ["message read", "messages read"],
  localClassified: ["message read locally", "messages read locally"],
  llmClassified: ["message read by the language model", "messages read by the language model"],
  llmCalls: ["language-model call", "language-model calls"],
  llmTokens: ["token", "tokens"],
  corrections: ["correction", "corrections"],
  conversationsWritten: ["conversation saved", "conversations saved"],
  contactsWritten: ["contact saved", "contacts saved"],
  inboxesWritten: ["inbox saved", "inboxes saved"],
  issuesWritten: ["issue saved", "issues saved"],
  issuesDeleted: ["issue removed", "issues removed"],
  projectsWritten: ["project saved", "projects saved"],
  statesWritten: ["workflow state saved", "workflow states saved"],
  cyclesWritten: ["cycle saved", "cycles saved"],
  recordsWritten: ["record saved", "records saved"],
  recordsDeleted: ["record removed", "records removed"],
  messagesFetched: ["message read", "messages read"],
  conversationsListed: ["conversation checked", "conversations checked"],
  issuesFetched: ["issue read", "issues read"],
  companiesFetched: ["company read", "companies read"],
  peopleFetched: ["person read", "people read"],
  dealsFetched: ["deal read", "deals read"],
  notesFetched: ["note read", "notes read"],
  signals: ["signal computed", "signals computed"],
  signalsChanged: ["signal changed", "signals changed"],
  scoresChanged: ["score changed", "scores changed"],
  snapshots: ["snapshot", "snapshots"],
  forecasts: ["forecast", "forecasts"],
  recommendationsCreated: ["new recommendation", "new recommendations"],
  recommendationsUpdated: ["recommendation updated", "recommendations updated"],
  recommendationsDeactivated: ["recommendation retired", "recommendations retired"],
  recommendationsHidden: ["recommendation held back", "recommendations held back"],
  outcomes: ["outcome recorded", "outcomes recorded"],
  similarCases: ["similar case found", "similar cases found"],
  signatures: ["case fingerprint", "case fingerprints"],
  days: ["day", "days"],
  chunksUpserted: ["passage indexed", "passages indexed"],
  chunksRemoved: ["passage removed", "passages removed"],
  embedded: ["embedding computed", "embeddings computed"],
  digests: ["digest written", "digests written"],
  llm: ["written by the language model", "written by the language model"],
  users: ["reader", "readers"],
  projectDigestsWritten: ["project digest written", "project digests written"],
  contacts: ["contact", "contacts"],
  created: ["created", "created"],
  updated: ["updated", "updated"],
  unchanged: ["unchanged", "unchanged"],
  inserted: ["new", "new"],
  openings: ["opening found", "openings found"],
  enqueued: ["job queued", "jobs queued"],
  dueErrors: ["failed sync due", "failed syncs due"],
  expiredSessions: ["expired session removed", "expired sessions removed"],
  loginAttemptsDeleted: ["old sign-in attempt removed", "old sign-in attempts removed"],
  workersMarkedLost: ["stopped worker found", "stopped workers found"],
  jobsUnlocked: ["job released", "jobs released"],
  processEventsDeleted: ["old activity entry removed", "old activity entries removed"],
  jobRunsDeleted: ["old run removed", "old runs removed"],
  succeeded: ["succeeded", "succeeded"],
  failed: ["failed", "failed"],
  skipped: ["skipped", "skipped"],
  written: ["written", "written"],
  pages: ["page", "pages"],
  httpRequests: ["request", "requests"],
  httpRetries: ["retry", "retries"],
  rateLimited: ["rate limit hit", "rate limits hit"],
};

/** Where one word means different things per task. */
const TASK_COUNTERS: Record<string, Record<string, Label>> = {
  analytics_aggregates: {
    inbound: ["client message", "client messages"], outbound: ["team message", "team messages"], completed: ["issue completed", "issues completed"], openDeals: ["open deal", "open deals"],
  },
  campaign_scheduler: {
    due: ["step due", "steps due"], sent: ["step sent", "steps sent"], completed: ["sequence completed", "sequences completed"], failed: ["step failed", "steps failed"],
    retrying: ["step to retry", "steps to retry"], stoppedOnReply: ["sequence stopped by a reply", "sequences stopped by a reply"],
  },
  case_signatures_refresh: { written: ["fingerprint written", "fingerprints written"], skipped: ["fingerprint unchanged", "fingerprints unchanged"] },
  embeddings_run: { failed: ["embedding failed", "embeddings failed"] },
  loops_contacts_sync: { created: ["contact created", "contacts created"], updated: ["contact updated", "contacts updated"], unchanged: ["contact unchanged", "contacts unchanged"] },
  upsell_radar: { inserted: ["new opening", "new openings"], updated: ["opening updated", "openings updated"] },
  recommendation_action: { succeeded: ["action carried out", "actions carried out"] },
};

const ORDER = new Map(Object.keys(COUNTERS).map((k, i) => [k, i]));
const pluralRules = new Map<string, Intl.PluralRules>();
const plural = (locale: string, n: number) => {
  let r = pluralRules.get(locale);
  if (!r) pluralRules.set(locale, (r = new Intl.PluralRules(locale)));
  return r.select(n);
};

export type CounterPart = { key: string; value: number; text: string };

/** The non-zero counters of a run as readable parts, most telling first: [{ key, value, text: "71 events written" }]. */
export function counterParts(counters: unknown, task?: string, locale = DEFAULT_LOCALE): CounterPart[] {
  if (!counters || typeof counters !== "object") return [];
  const own = (task && TASK_COUNTERS[task]) || {};
  return Object.entries(counters as Record<string, unknown>)
    .filter((e): e is [string, number] => typeof e[1] === "number" && Number.isFinite(e[1]) && e[1] !== 0)
    .sort(([a], [b]) => (a in own ? -1 : ORDER.get(a) ?? 1000) - (b in own ? -1 : ORDER.get(b) ?? 1000))
    .map(([key, value]) => {
      const label = own[key] ?? COUNTERS[key] ?? ([words(key).toLowerCase(), words(key).toLowerCase()] as const);
      return { key, value, text: `${formatNumber(value, locale)} ${plural(locale, value) === "one" ? label[0] : label[1]}` };
    });
}

/**
 * A run's counters in one line: "71 events written · 7 pages · 8 requests"; at most `max` parts,
 * then "+2 more". Empty when nothing was counted.
 */
export function describeCounters(counters: unknown, task?: string, opts: { max?: number; locale?: string } = {}): string {
  const parts = counterParts(counters, task, opts.locale);
  const max = opts.max ?? parts.length;
  const shown = parts.slice(0, max).map((p) => p.text);
  if (parts.length > max) shown.push(`+${parts.length - max} more`);
  return shown.join(" · ");
}

/** The technical form, for a title: "eventsWritten=71 pages=7 httpRequests=8". */
export function technicalCounters(counters: unknown): string {
  if (!counters || typeof counters !== "object") return "";
  return Object.entries(counters as Record<string, unknown>).map(([k, v]) => `${k}=${String(v)}`).join(" ");
}

// ---------------------------------------------------------------------------------------------------
// Statuses and connectors

export const RUN_STATUS_LABELS: Record<string, string> = {
  succeeded: "succeeded", failed: "failed", running: "running", skipped: "skipped", waiting: "waiting", retrying: "retrying", dead_letter: "gave up",
};

export const TRIGGER_LABELS: Record<string, string> = { scheduler: "on schedule", manual: "run now", cron: "daily/weekly schedule" };

export const CONNECTOR_NAMES: Record<string, string> = { chatwoot: "Chatwoot", linear: "Linear", attio: "Attio", loops: "Loops" };
export const connectorName = (c: string) => CONNECTOR_NAMES[c] ?? words(c);
