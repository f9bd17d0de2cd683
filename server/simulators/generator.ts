import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { createRng, seedOf, type Rng } from "./rng.ts";

// A deterministic agency workspace: per project a Chatwoot account, a Linear workspace and an Attio
// workspace, with conversations, issues and deals over `days` days ending at `end`, and planted
// situations (client silence, scope creep, aging blockers, budget overrun, upsell need) whose later
// outcomes are recorded for backtests. Each project is generated from (seed, index) alone, so a
// simulator can build any one of 1,000 projects on demand.

const DAY = 86_400_000;

/** A stable UUID (version 5 layout) from names: Attio ids that do not consume the RNG. */
function uuidOf(...parts: string[]): string {
  const h = createHash("sha1").update(parts.join("|")).digest("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${((parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export type SituationKind = "client_silence" | "scope_creep" | "aging_blockers" | "budget_overrun" | "upsell_need";
export type OutcomeType = "client_risk" | "scope_risk" | "delivery_risk" | "finance_risk" | "upsell_won";

export type PlantedSituation = {
  kind: SituationKind;
  startedAt: Date;
  /** Ids of the records that show it (message ids, Linear issue ids, Attio record ids). */
  evidence: { chatwootMessageIds: number[]; linearIssueIds: string[]; attioRecordIds: string[] };
  outcome: { type: OutcomeType; occurredAt: Date; severity: number } | null;
};

export type CwContact = { id: number; name: string; email: string; phone_number: string | null; identifier: string | null; created_at: number };
export type CwMessage = { id: number; content: string; message_type: 0 | 1 | 2; private: boolean; sender_type: "contact" | "user"; sender_id: number; created_at: number };
export type CwConversation = { id: number; inbox_id: number; contact_id: number; status: "open" | "resolved" | "pending" | "snoozed"; assignee_id: number | null; created_at: number; messages: CwMessage[] };
export type ChatwootAccount = { accountId: number; inboxes: { id: number; name: string; channel_type: string }[]; agents: { id: number; name: string }[]; contacts: CwContact[]; conversations: CwConversation[] };

export type LinState = { id: string; name: string; type: "backlog" | "unstarted" | "started" | "completed" | "canceled"; position: number };
export type LinIssue = {
  id: string; identifier: string; number: number; title: string; description: string; priority: number; estimate: number | null;
  createdAt: Date; updatedAt: Date; completedAt: Date | null; archivedAt: Date | null; dueDate: string | null;
  stateId: string; cycleId: string | null; projectId: string | null; labelIds: string[]; assigneeId: string | null; blockedByIds: string[];
};
export type LinearWorkspace = {
  /** urlKey: the organization's key in Linear's web-app URLs (`/<urlKey>/issue/ENG-1/…`). */
  workspaceId: string; urlKey: string; teamId: string; teamKey: string;
  states: LinState[]; labels: { id: string; name: string }[]; users: { id: string; name: string }[];
  /** slugId: the project's short id at the end of its web-app URL (`/<urlKey>/project/<name>-<slugId>`). */
  projects: { id: string; slugId: string; name: string; state: string; leadId: string; targetDate: string | null; createdAt: Date; updatedAt: Date }[];
  cycles: { id: string; number: number; name: string; startsAt: Date; endsAt: Date; completedAt: Date | null; progress: number; updatedAt: Date }[];
  issues: LinIssue[];
};

export type AttioValue = Record<string, unknown> & { active_from: string; active_until: string | null; attribute_type: string };
// No web_url here: it is on the simulator's own origin, which only the running simulator knows.
export type AttioRecord = { id: { workspace_id: string; object_id: string; record_id: string }; created_at: string; values: Record<string, AttioValue[]> };
/**
 * workspaceId: how a source is bound (the simulator's token is `attio_<workspaceId>`); workspaceUuid and
 * objectIds: the UUIDs Attio puts in `id.workspace_id` / `id.object_id` (its spec says format uuid).
 * slug: the workspace's name in Attio's web-app URLs (`/<slug>/company/<record_id>`).
 */
export type AttioWorkspace = { workspaceId: string; workspaceUuid: string; objectIds: Record<"companies" | "people" | "deals", string>; slug: string; companies: AttioRecord[]; people: AttioRecord[]; deals: AttioRecord[]; notes: { id: { workspace_id: string; note_id: string }; parent_object: string; parent_record_id: string; title: string; content_plaintext: string; created_at: string }[] };

export type GeneratedProject = {
  index: number; key: string; name: string; clientName: string; language: PoolLanguage;
  chatwoot: ChatwootAccount; linear: LinearWorkspace; attio: AttioWorkspace;
  situations: PlantedSituation[];
};

export type GeneratorOptions = {
  seed: number;
  days: number;
  end: Date;
  /** Scale of normal activity (1 = an ordinary agency project). */
  activity?: number;
  /** Force situations for this project (tests); otherwise chosen by the RNG. */
  situations?: SituationKind[];
  /** Extra bulk records for completeness tests and benchmarks. */
  extraLinearIssues?: number;
  extraAttioCompanies?: number;
  /** Per project index: a fixed client and project name and situations (the demo uses these). */
  profiles?: { clientName: string; name: string; situations: SituationKind[]; language?: PoolLanguage }[];
  /** Share of projects whose client writes in Russian (default .3); a profile's language wins. */
  russianShare?: number;
};

const CLIENTS = ["Acme", "Globex", "Initech", "Umbrella", "Hooli", "Stark", "Wayne", "Wonka", "Tyrell", "Cyberdyne", "Soylent", "Aperture", "Vandelay", "Pied Piper", "Massive Dynamic", "Oscorp"];
const KINDS = ["Web Relaunch", "Mobile App", "Data Migration", "Support Retainer", "Growth Sprint", "Platform Integration", "Design System"];
const FIRST = ["Ana", "Ben", "Chloe", "Dev", "Eva", "Finn", "Gita", "Hugo", "Ines", "Jon", "Kai", "Lena", "Marco", "Nia", "Omar", "Pia"];
const LAST = ["Silva", "Meyer", "Novak", "Okafor", "Rossi", "Tanaka", "Berg", "Costa", "Dubois", "Ek"];
const ISSUE_TITLES = ["Checkout page layout", "Auth token refresh", "CSV export", "Push notifications", "Search relevance", "Onboarding flow", "Payment webhook", "Admin dashboard filters", "Image uploads", "Email templates", "Role permissions", "Data import job", "Analytics events", "Accessibility fixes", "Performance budget"];

/**
 * What people write, drawn from a pool of English and Russian texts per kind of message
 * (server/simulators/texts/pool.json), written apart from the message-understanding corpus and its
 * rules — a test asserts they share no sentence — so a planted situation is not one memorised phrase.
 */
export type TextKind = "approval_request" | "approval_reminder" | "scope_request" | "new_need" | "client_chatter" | "team_chatter" | "client_negative" | "client_positive";
export type PoolLanguage = "en" | "ru";
export const TEXT_POOL = JSON.parse(fs.readFileSync(path.join(import.meta.dirname, "texts/pool.json"), "utf8")) as { version: number } & Record<PoolLanguage, Record<TextKind, string[]>>;

const unix = (d: Date) => Math.floor(d.getTime() / 1000);
const dateOnly = (d: Date) => d.toISOString().slice(0, 10);

export function projectKey(index: number): string {
  return `p${String(index).padStart(4, "0")}`;
}

function pickSituations(rng: Rng): SituationKind[] {
  const all: [SituationKind, number][] = [["client_silence", 0.3], ["scope_creep", 0.25], ["aging_blockers", 0.25], ["budget_overrun", 0.2], ["upsell_need", 0.2]];
  const picked = all.filter(([, p]) => rng.chance(p)).map(([k]) => k);
  // A client who has gone silent is not also writing in with extra scope or new needs: planting both
  // would contradict itself (and make the backtest score detectors on situations that did not happen).
  return picked.includes("client_silence") ? picked.filter((k) => k !== "scope_creep" && k !== "upsell_need") : picked;
}

export function generateProject(index: number, opts: GeneratorOptions): GeneratedProject {
  const rng = createRng(seedOf(opts.seed, index));
  const end = opts.end.getTime();
  const start = end - opts.days * DAY;
  const at = (dayOffset: number, hour = 10) => new Date(start + dayOffset * DAY + hour * 3600_000 + rng.int(0, 3599) * 1000);
  const activity = opts.activity ?? 1;
  const profile = opts.profiles?.[index];
  const clientName = profile?.clientName ?? `${rng.pick(CLIENTS)}`;
  const name = profile?.name ?? `${clientName} ${rng.pick(KINDS)}`;
  const key = projectKey(index);
  // Web-app URL names of the client's workspaces; derived, not drawn, so the RNG sequence is unchanged.
  const webSlug = `${clientName.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "")}-${key}`;
  const situations = profile?.situations ?? opts.situations ?? pickSituations(rng);
  const planted: PlantedSituation[] = [];
  // Texts come from their own random stream: which sentence is drawn never shifts the numbers.
  const textRng = createRng(seedOf(opts.seed, index, "texts"));
  const language: PoolLanguage = profile?.language ?? (textRng.chance(opts.russianShare ?? 0.3) ? "ru" : "en");
  const text = (kind: TextKind, contactName?: string) =>
    textRng.pick(TEXT_POOL[language][kind]).replaceAll("{client}", clientName).replaceAll("{name}", (contactName ?? "").split(" ")[0] || (language === "ru" ? "коллеги" : "there"));

  // ---- Chatwoot ----------------------------------------------------------------------------
  const accountId = 1000 + index;
  const inboxes = [{ id: 1, name: `${clientName} email`, channel_type: "Channel::Email" }, { id: 2, name: "Website chat", channel_type: "Channel::WebWidget" }];
  const agents = [1, 2, 3].map((id) => ({ id, name: `${rng.pick(FIRST)} ${rng.pick(LAST)}` }));
  const contacts: CwContact[] = [];
  const nContacts = rng.int(3, 6);
  for (let i = 1; i <= nContacts; i++) {
    const first = rng.pick(FIRST), last = rng.pick(LAST);
    contacts.push({ id: i, name: `${first} ${last}`, email: `${first}.${last}.${i}@${clientName.toLowerCase().replace(/\s/g, "")}.example`.toLowerCase(), phone_number: rng.chance(0.5) ? `+4930${rng.int(1000000, 9999999)}` : null, identifier: null, created_at: unix(at(0)) });
  }
  let messageId = index * 1_000_000;
  const conversations: CwConversation[] = [];
  const nConvs = Math.max(1, Math.round(rng.int(3, 6) * activity));
  for (let c = 1; c <= nConvs; c++) {
    const contact = rng.pick(contacts);
    const convStart = rng.int(0, Math.max(0, opts.days - 20));
    const conv: CwConversation = { id: c, inbox_id: rng.pick(inboxes).id, contact_id: contact.id, status: rng.chance(0.7) ? "open" : "resolved", assignee_id: rng.pick(agents).id, created_at: unix(at(convStart)), messages: [] };
    const nMsgs = Math.max(2, Math.round(rng.int(6, 18) * activity));
    let day = convStart;
    let last = null as { fromClient: boolean; at: number } | null;
    for (let m = 0; m < nMsgs && day < opts.days - 1; m++) {
      // A client message is usually answered before the client writes again.
      const fromClient: boolean = last?.fromClient ? rng.chance(0.1) : m % 2 === 0 ? rng.chance(0.8) : rng.chance(0.3);
      // An agency answers its client within hours on most days, the next working day otherwise.
      const replyAt: number | null = last?.fromClient && !fromClient ? last.at + (rng.chance(0.85) ? rng.int(15, 300) * 60 : rng.int(18, 30) * 3600) : null;
      const createdAt: number = replyAt && replyAt < end / 1000 - 3600 ? replyAt : unix(at(day, rng.int(8, 18)));
      conv.messages.push({
        id: ++messageId, content: fromClient ? text(textRng.chance(0.1) ? "client_positive" : "client_chatter") : text("team_chatter", contact.name), message_type: fromClient ? 0 : 1, private: !fromClient && rng.chance(0.05),
        sender_type: fromClient ? "contact" : "user", sender_id: fromClient ? contact.id : rng.pick(agents).id, created_at: createdAt,
      });
      last = { fromClient, at: createdAt };
      day = Math.max(day, Math.floor((createdAt * 1000 - start) / DAY)) + rng.int(0, 3);
    }
    conversations.push(conv);
  }
  const mainConv = conversations[0]!;
  const addMessage = (conv: CwConversation, day: number, fromClient: boolean, content: string) => {
    const msg: CwMessage = { id: ++messageId, content, message_type: fromClient ? 0 : 1, private: false, sender_type: fromClient ? "contact" : "user", sender_id: fromClient ? conv.contact_id : agents[0]!.id, created_at: unix(at(day, 11)) };
    conv.messages.push(msg);
    conv.messages.sort((a, b) => a.created_at - b.created_at || a.id - b.id);
    return msg;
  };

  // ---- Linear ------------------------------------------------------------------------------
  const lin: LinearWorkspace = {
    workspaceId: `lin-${key}`, urlKey: webSlug, teamId: rng.uuid(), teamKey: clientName.slice(0, 3).toUpperCase(),
    states: [
      { id: rng.uuid(), name: "Backlog", type: "backlog", position: 0 }, { id: rng.uuid(), name: "Todo", type: "unstarted", position: 1 },
      { id: rng.uuid(), name: "In Progress", type: "started", position: 2 }, { id: rng.uuid(), name: "In Review", type: "started", position: 3 },
      { id: rng.uuid(), name: "Done", type: "completed", position: 4 }, { id: rng.uuid(), name: "Canceled", type: "canceled", position: 5 },
    ],
    labels: ["bug", "feature", "blocker", "urgent", "scope-change"].map((n) => ({ id: rng.uuid(), name: n })),
    users: agents.map((a) => ({ id: rng.uuid(), name: a.name })),
    projects: [], cycles: [], issues: [],
  };
  const linProjectId = rng.uuid();
  lin.projects.push({ id: linProjectId, slugId: linProjectId.slice(-12), name, state: "started", leadId: lin.users[0]!.id, targetDate: dateOnly(new Date(end + 30 * DAY)), createdAt: new Date(start), updatedAt: new Date(start + DAY) });
  for (let n = 0; n * 14 < opts.days; n++) {
    const s = new Date(start + n * 14 * DAY), e = new Date(start + (n + 1) * 14 * DAY);
    lin.cycles.push({ id: rng.uuid(), number: n + 1, name: `Cycle ${n + 1}`, startsAt: s, endsAt: e, completedAt: e.getTime() <= end ? e : null, progress: e.getTime() <= end ? 1 : 0.5, updatedAt: new Date(Math.min(end, e.getTime())) });
  }
  const stateBy = (type: LinState["type"]) => lin.states.find((s) => s.type === type)!;
  const label = (n: string) => lin.labels.find((l) => l.name === n)!.id;
  let issueNo = 0;
  const addIssue = (createdDay: number, patch: Partial<LinIssue> = {}): LinIssue => {
    const createdAt = at(createdDay, 9);
    const done = rng.chance(0.55) && createdDay < opts.days - 5;
    const completedAt = done ? at(Math.min(opts.days - 1, createdDay + rng.int(1, 10)), 16) : null;
    const issue: LinIssue = {
      id: rng.uuid(), number: ++issueNo, identifier: `${lin.teamKey}-${issueNo}`, title: `${rng.pick(ISSUE_TITLES)} #${issueNo}`,
      description: `Implement and test. Acceptance criteria in the spec (${name}).`, priority: rng.int(0, 4), estimate: rng.chance(0.7) ? rng.pick([1, 2, 3, 5, 8]) : null,
      createdAt, updatedAt: completedAt ?? new Date(Math.min(end, createdAt.getTime() + rng.int(0, 5) * DAY)), completedAt, archivedAt: null,
      dueDate: rng.chance(0.4) ? dateOnly(new Date(createdAt.getTime() + rng.int(5, 20) * DAY)) : null,
      stateId: done ? stateBy("completed").id : rng.pick([stateBy("unstarted"), stateBy("started"), stateBy("backlog")]).id,
      cycleId: lin.cycles[Math.min(lin.cycles.length - 1, Math.floor(createdDay / 14))]?.id ?? null, projectId: lin.projects[0]!.id,
      labelIds: [rng.chance(0.3) ? label("bug") : label("feature")], assigneeId: rng.pick(lin.users).id, blockedByIds: [], ...patch,
    };
    lin.issues.push(issue);
    return issue;
  };
  const nIssues = Math.max(3, Math.round(rng.int(12, 30) * activity));
  for (let i = 0; i < nIssues; i++) addIssue(rng.int(0, opts.days - 1));
  for (let i = 0; i < (opts.extraLinearIssues ?? 0); i++) addIssue(rng.int(0, opts.days - 1));

  // ---- Attio -------------------------------------------------------------------------------
  const attioWs = `attio-${key}`;
  // Attio's ids are UUIDs (workspace, object, attribute, status, option). They are derived from names,
  // not drawn from the RNG, so every other generated value stays what it was.
  const wsUuid = uuidOf("attio-workspace", attioWs);
  const objectIds = { companies: uuidOf(attioWs, "companies"), people: uuidOf(attioWs, "people"), deals: uuidOf(attioWs, "deals") };
  const attrId = (object: keyof typeof objectIds, attr: string) => ({ workspace_id: wsUuid, object_id: objectIds[object], attribute_id: uuidOf(attioWs, object, attr) });
  // A status or select value carries the whole status/option object, as Attio returns it.
  const status = (object: keyof typeof objectIds, attr: string, title: string) => ({
    status: { id: { ...attrId(object, attr), status_id: uuidOf(attioWs, object, attr, title) }, title, is_archived: false, celebration_enabled: /won/i.test(title), target_time_in_status: null },
  });
  const option = (object: keyof typeof objectIds, attr: string, title: string) => ({ option: { id: { ...attrId(object, attr), option_id: uuidOf(attioWs, object, attr, title) }, title, is_archived: false } });
  const email = (address: string) => {
    const [local = "", domain = ""] = address.split("@");
    return { email_address: address, original_email_address: address, email_domain: domain, email_root_domain: domain.split(".").slice(-2).join("."), email_local_specifier: local };
  };
  const v = (attribute_type: string, value: Record<string, unknown>, from: Date): AttioValue => ({ active_from: from.toISOString(), active_until: null, created_by_actor: { type: "system", id: null }, attribute_type, ...value });
  const rec = (object: keyof typeof objectIds, createdAt: Date, values: Record<string, AttioValue[]>): AttioRecord => {
    const record_id = rng.uuid();
    return { id: { workspace_id: wsUuid, object_id: objectIds[object], record_id }, created_at: createdAt.toISOString(), values };
  };
  const t0 = new Date(start);
  const revenue = rng.pick([40_000, 80_000, 150_000, 400_000, 1_200_000]);
  const company = rec("companies", t0, {
    name: [v("text", { value: `${clientName} Corp` }, t0)],
    domains: [v("domain", { domain: `${clientName.toLowerCase().replace(/\s/g, "")}.example`, root_domain: `${clientName.toLowerCase().replace(/\s/g, "")}.example` }, t0)],
    estimated_arr_usd: [v("select", option("companies", "estimated_arr_usd", revenue >= 1_000_000 ? "$1M-$10M" : revenue >= 100_000 ? "$100K-$1M" : "<$100K"), t0)],
    annual_revenue: [v("currency", { currency_value: revenue, currency_code: "USD" }, t0)],
  });
  const companies = [company];
  for (let i = 0; i < (opts.extraAttioCompanies ?? 0); i++) companies.push(rec("companies", t0, { name: [v("text", { value: `Prospect ${i} of ${clientName}` }, t0)], domains: [] }));
  const people = contacts.slice(0, 3).map((c) => rec("people", t0, {
    name: [v("personal-name", { first_name: c.name.split(" ")[0] ?? "", last_name: c.name.split(" ").slice(1).join(" "), full_name: c.name }, t0)],
    email_addresses: [v("email-address", email(c.email), t0)],
    company: [v("record-reference", { target_object: "companies", target_record_id: company.id.record_id }, t0)],
    job_title: [v("text", { value: rng.pick(["CTO", "Head of Product", "Marketing Lead", "Procurement"]) }, t0)],
  }));
  const plan = rng.pick([20_000, 45_000, 80_000, 120_000]);
  // Cost so far against the plan: a project without a planted overrun keeps a healthy margin (≥ 40%),
  // so finance trouble in the data is the trouble the generator planted and labelled.
  const costRatio = 0.3 + rng.next() * 0.3;
  const stageAt = new Date(start + 2 * DAY);
  const deal = rec("deals", t0, {
    name: [v("text", { value: `${name} — phase 1` }, t0)],
    stage: [v("status", status("deals", "stage", "Won 🎉"), stageAt)],
    value: [v("currency", { currency_value: plan, currency_code: "USD" }, t0)],
    associated_company: [v("record-reference", { target_object: "companies", target_record_id: company.id.record_id }, t0)],
    cost_to_date: [v("currency", { currency_value: Math.round(plan * costRatio), currency_code: "USD" }, new Date(end - 3 * DAY))],
    close_date: [v("date", { value: dateOnly(stageAt) }, t0)],
  });
  const deals = [deal];
  const notes: AttioWorkspace["notes"] = [];

  // ---- Planted situations -------------------------------------------------------------------
  const lastDay = opts.days - 1;
  for (const kind of situations) {
    if (kind === "client_silence") {
      // The team asks for approval; the client goes quiet for 5-8 days.
      const silentDays = rng.int(5, 8);
      const askDay = lastDay - silentDays;
      for (const c of conversations) c.messages = c.messages.filter((m) => m.created_at < unix(at(askDay - 1, 0)) || m.sender_type === "user");
      const who = contacts.find((c) => c.id === mainConv.contact_id)?.name;
      const ask = addMessage(mainConv, askDay, false, text("approval_request", who));
      const nudge = addMessage(mainConv, askDay + 2, false, text("approval_reminder", who));
      mainConv.status = "open";
      planted.push({ kind, startedAt: at(askDay, 11), evidence: { chatwootMessageIds: [ask.id, nudge.id], linearIssueIds: [], attioRecordIds: [deal.id.record_id] },
        outcome: rng.chance(0.7) ? { type: "client_risk", occurredAt: new Date(end + rng.int(3, 12) * DAY), severity: rng.int(3, 5) } : null });
    }
    if (kind === "scope_creep") {
      const ids = [0, 1, 2].slice(0, rng.int(2, 3)).map((i) => addMessage(mainConv, lastDay - 6 + i * 2, true, text("scope_request")).id);
      const cr = addIssue(lastDay - 3, { title: "Change request: extra scope from client", labelIds: [label("scope-change")], stateId: stateBy("backlog").id, completedAt: null });
      planted.push({ kind, startedAt: at(lastDay - 6, 11), evidence: { chatwootMessageIds: ids, linearIssueIds: [cr.id], attioRecordIds: [] },
        outcome: rng.chance(0.6) ? { type: "scope_risk", occurredAt: new Date(end + rng.int(5, 20) * DAY), severity: rng.int(2, 4) } : null });
    }
    if (kind === "aging_blockers") {
      const blocker = addIssue(lastDay - 12, { title: "Third-party API credentials missing", labelIds: [label("blocker"), label("urgent")], stateId: stateBy("started").id, completedAt: null });
      const blocked = [0, 1, 2, 3, 4].slice(0, rng.int(4, 5)).map((i) =>
        addIssue(lastDay - rng.int(7, 10), { title: `Integration step ${i + 1} waiting on credentials`, stateId: stateBy("started").id, completedAt: null, blockedByIds: [blocker.id], labelIds: [label("blocker")], updatedAt: at(lastDay - rng.int(6, 9)) }));
      planted.push({ kind, startedAt: at(lastDay - 10), evidence: { chatwootMessageIds: [], linearIssueIds: [blocker.id, ...blocked.map((b) => b.id)], attioRecordIds: [] },
        outcome: rng.chance(0.75) ? { type: "delivery_risk", occurredAt: new Date(end + rng.int(2, 10) * DAY), severity: rng.int(3, 5) } : null });
    }
    if (kind === "budget_overrun") {
      deal.values.cost_to_date = [v("currency", { currency_value: Math.round(plan * (1.22 + rng.next() * 0.2)), currency_code: "USD" }, new Date(end - 2 * DAY))];
      notes.push({ id: { workspace_id: wsUuid, note_id: rng.uuid() }, parent_object: "deals", parent_record_id: deal.id.record_id, title: "Budget review", content_plaintext: "Burn is above plan after the extra integration work.", created_at: new Date(end - 2 * DAY).toISOString() });
      planted.push({ kind, startedAt: new Date(end - 2 * DAY), evidence: { chatwootMessageIds: [], linearIssueIds: [], attioRecordIds: [deal.id.record_id] },
        outcome: rng.chance(0.7) ? { type: "finance_risk", occurredAt: new Date(end + rng.int(5, 25) * DAY), severity: rng.int(3, 5) } : null });
    }
    if (kind === "upsell_need") {
      rng.next(); // the draw the fixed upsell sentence used to take: the rest of the project stays as it was
      const msg = addMessage(mainConv, lastDay - 2, true, text("new_need"));
      company.values.annual_revenue = [v("currency", { currency_value: Math.max(revenue, 400_000), currency_code: "USD" }, t0)];
      // The account manager opens an expansion deal for it.
      const opened = new Date(end - 1 * DAY);
      const expansion = rec("deals", opened, {
        name: [v("text", { value: `${name} — expansion` }, opened)],
        stage: [v("status", status("deals", "stage", "Proposal"), opened)],
        value: [v("currency", { currency_value: rng.pick([25_000, 60_000, 90_000]), currency_code: "USD" }, opened)],
        associated_company: [v("record-reference", { target_object: "companies", target_record_id: company.id.record_id }, opened)],
      });
      deals.push(expansion);
      planted.push({ kind, startedAt: at(lastDay - 2, 11), evidence: { chatwootMessageIds: [msg.id], linearIssueIds: [], attioRecordIds: [company.id.record_id, expansion.id.record_id] },
        outcome: rng.chance(0.5) ? { type: "upsell_won", occurredAt: new Date(end + rng.int(10, 40) * DAY), severity: 2 } : null });
    }
  }

  return {
    index, key, name, clientName, language,
    chatwoot: { accountId, inboxes, agents, contacts, conversations },
    linear: lin,
    attio: { workspaceId: attioWs, workspaceUuid: wsUuid, objectIds, slug: webSlug, companies, people, deals, notes },
    situations: planted,
  };
}

/** Builds projects lazily and caches them: simulators serve 1,000 projects without building all up front. */
export function createWorkspace(opts: GeneratorOptions & { projects: number }) {
  const cache = new Map<number, GeneratedProject>();
  const project = (index: number) => {
    if (index < 0 || index >= opts.projects) return undefined;
    let p = cache.get(index);
    if (!p) {
      p = generateProject(index, opts);
      cache.set(index, p);
    }
    return p;
  };
  const bySlug = (slug: string, slugOf: (p: GeneratedProject) => string) => {
    const m = /-p(\d{4,})$/.exec(slug);
    const p = m ? project(Number(m[1])) : undefined;
    return p && slugOf(p) === slug ? p : undefined;
  };
  return {
    options: opts,
    size: opts.projects,
    project,
    byChatwootAccount: (accountId: number) => project(accountId - 1000),
    byLinearWorkspace: (ws: string) => (ws.startsWith("lin-p") ? project(Number(ws.slice(5))) : undefined),
    byAttioWorkspace: (ws: string) => (ws.startsWith("attio-p") ? project(Number(ws.slice(7))) : undefined),
    /** The project behind a name in a web-app URL (`acme-p0003`). */
    byLinearUrlKey: (urlKey: string) => bySlug(urlKey, (p) => p.linear.urlKey),
    byAttioSlug: (slug: string) => bySlug(slug, (p) => p.attio.slug),
  };
}
export type Workspace = ReturnType<typeof createWorkspace>;
