import { z } from "zod";
import type { Db } from "../../db.ts";
import type { Env } from "../../env.ts";
import { NotFoundError, ValidationError } from "../../errors.ts";
import { chatwootLinks } from "../connectors/chatwoot.ts";
import type { EvidenceRef } from "../events/event-log.ts";
import { describeLlmError, llmClient } from "../llm/client.ts";
import { dayIn, isoDay } from "../../time.ts";
import { conversationLanguage, type Language } from "../understanding/language.ts";
import type { ActionType } from "./actions.ts";
import { linearTeams } from "../connectors/linear-outbound.ts";
import { clientMessageDraft, followUpStepDrafts, isClientFacing, type ClientFacingCategory } from "./client-drafts.ts";
import { displayText } from "./wording.ts";

// Before anything is done on a recommendation's behalf, a person sees exactly what will happen:
// which actions can work here at all (a follow-up needs a conversation and a reason to write to the
// client; a task needs a Linear workspace), and for the one they pick, an editable draft — the message
// to the client with its recipient and conversation, or the task with its team and due date.

type Rec = Awaited<ReturnType<Db["recommendationV2"]["findUniqueOrThrow"]>>;
export type ActionOption = { type: ActionType | "follow_up_sequence"; available: boolean; reason: string | null };

const open = (rec: Rec) => rec.status !== "done" && rec.status !== "dismissed";

async function findRec(db: Db, projectId: string, id: string): Promise<Rec> {
  const rec = await db.recommendationV2.findFirst({ where: { id, projectId } });
  if (!rec) throw new NotFoundError("recommendation not found in this project");
  return rec;
}

type CitedMessage = { externalId: string; conversationExternalId: string; messageType: number; content: string | null; sourceCreatedAt: Date; accountId: string };

/** The messages a recommendation cites that still exist in this project, newest first. */
async function citedMessages(db: Db, projectId: string, evidence: EvidenceRef[]): Promise<CitedMessage[]> {
  const ids = evidence.filter((r) => r.kind === "message").map((r) => r.id);
  if (!ids.length) return [];
  return db.cwMessage.findMany({
    where: { projectId, externalId: { in: ids }, deletedAt: null, private: false },
    orderBy: { sourceCreatedAt: "desc" },
    select: { externalId: true, conversationExternalId: true, messageType: true, content: true, sourceCreatedAt: true, accountId: true },
  });
}

const firstName = (name: string | null) => name?.trim().split(/\s+/)[0] ?? null;
const INCOMING = 0;
const OUTGOING = 1;

/**
 * The conversation a message to the client belongs in, and the message it refers to: for a silence,
 * the team's first unanswered request; for scope or a new need, the client's own request.
 */
function pickThread(category: ClientFacingCategory, cited: CitedMessage[]): { conversationId: string; quoted: CitedMessage | null } | null {
  if (!cited.length) return null;
  if (category === "waiting_on_client") {
    const team = cited.filter((m) => m.messageType === OUTGOING);
    const newest = team[0] ?? cited[0]!;
    const inThread = team.filter((m) => m.conversationExternalId === newest.conversationExternalId);
    return { conversationId: newest.conversationExternalId, quoted: inThread.at(-1) ?? null };
  }
  if (category === "winback") return { conversationId: cited[0]!.conversationExternalId, quoted: null };
  const client = cited.filter((m) => m.messageType === INCOMING);
  const newest = client[0] ?? cited[0]!;
  return { conversationId: newest.conversationExternalId, quoted: client[0] ?? null };
}

/** The conversation a message about this recommendation belongs in (null when it cites none). */
export async function replyConversation(db: Db, projectId: string, rec: { category: string; evidenceRefs: unknown }): Promise<number | null> {
  if (!isClientFacing(rec.category)) return null;
  const thread = pickThread(rec.category, await citedMessages(db, projectId, rec.evidenceRefs as EvidenceRef[]));
  return thread ? Number(thread.conversationId) : null;
}

/** The language a conversation's client writes in, and the contact's first name. */
export async function conversationAudience(db: Db, projectId: string, conversationId: string): Promise<{ language: Language; firstName: string | null }> {
  const [conv, history] = await Promise.all([
    db.cwConversation.findFirst({ where: { projectId, externalId: conversationId }, select: { contactExternalId: true } }),
    db.cwMessage.findMany({ where: { projectId, conversationExternalId: conversationId, deletedAt: null, private: false, messageType: INCOMING }, orderBy: { sourceCreatedAt: "desc" }, take: 20, select: { content: true } }),
  ]);
  const contact = conv?.contactExternalId ? await db.cwContact.findUnique({ where: { projectId_externalId: { projectId, externalId: conv.contactExternalId } }, select: { name: true } }) : null;
  return { language: conversationLanguage(history.map((m) => m.content ?? "")), firstName: firstName(contact?.name ?? null) };
}

/** Which actions can work on this recommendation, and why not where they cannot. */
export async function actionOptions(db: Db, input: { projectId: string; recommendationId: string }): Promise<ActionOption[]> {
  const rec = await findRec(db, input.projectId, input.recommendationId);
  return (await actionOptionsFor(db, input.projectId, [rec])).get(rec.id)!;
}

/** The same for a page of recommendations, in two queries. */
export async function actionOptionsFor(db: Db, projectId: string, recs: Rec[]): Promise<Map<string, ActionOption[]>> {
  const [cited, sources] = await Promise.all([
    citedMessages(db, projectId, recs.flatMap((r) => r.evidenceRefs as EvidenceRef[])),
    db.projectSource.findMany({ where: { projectId }, select: { kind: true } }),
  ]);
  const kinds = new Set(sources.map((s) => s.kind));
  return new Map(recs.map((rec) => {
    const ids = new Set((rec.evidenceRefs as EvidenceRef[]).filter((r) => r.kind === "message").map((r) => r.id));
    return [rec.id, optionsFor(rec, cited.filter((m) => ids.has(m.externalId)), kinds)];
  }));
}

function optionsFor(rec: Rec, cited: CitedMessage[], kinds: Set<string>): ActionOption[] {
  const closed = !open(rec) ? `this recommendation is ${rec.status}` : rec.gateStatus !== "visible" ? "hidden until it has enough evidence" : null;
  const clientReason = closed
    ?? (!isClientFacing(rec.category) ? "this is a matter for the team, not a message to the client" : null)
    ?? (!kinds.has("chatwoot_account") ? "no Chatwoot account is connected to this project" : null)
    ?? (!pickThread(rec.category as ClientFacingCategory, cited) ? "it cites no client conversation to reply in" : null);
  const taskReason = closed ?? (!kinds.has("linear_workspace") ? "no Linear workspace is connected to this project" : null);
  const sequenceReason = clientReason ?? (rec.category !== "waiting_on_client" ? "sequences are for a client who has gone quiet" : null);
  return [
    { type: "send_message", available: !clientReason, reason: clientReason },
    { type: "follow_up_sequence", available: !sequenceReason, reason: sequenceReason },
    { type: "create_or_update_task", available: !taskReason, reason: taskReason },
    { type: "set_reminder", available: !closed, reason: closed },
  ];
}

export type MessageDraft = {
  type: "send_message";
  conversationId: number; conversationUrl: string;
  recipient: { name: string | null; email: string | null };
  language: Language;
  recent: { author: "client" | "team"; at: Date; text: string }[];
  content: string;
  followUpSteps: { afterHours: number; content: string }[];
  source: "template" | "llm";
  note: string | null;
};
export type TaskDraft = { type: "create_or_update_task"; title: string; description: string; dueDate: string; today: string; teams: { id: string; name: string }[]; teamId: string | null; note: string | null };
export type Draft = MessageDraft | TaskDraft;

async function messageDraft(db: Db, env: Env, rec: Rec, input: { projectId: string; senderName: string | null }): Promise<MessageDraft> {
  if (!isClientFacing(rec.category)) throw new ValidationError("this recommendation is a matter for the team: there is no message to the client to draft");
  const cited = await citedMessages(db, input.projectId, rec.evidenceRefs as EvidenceRef[]);
  const thread = pickThread(rec.category, cited);
  if (!thread) throw new ValidationError("this recommendation cites no client conversation to reply in");
  const [conv, history, source, project] = await Promise.all([
    db.cwConversation.findFirst({ where: { projectId: input.projectId, externalId: thread.conversationId, deletedAt: null } }),
    db.cwMessage.findMany({
      where: { projectId: input.projectId, conversationExternalId: thread.conversationId, deletedAt: null, private: false },
      orderBy: { sourceCreatedAt: "desc" }, take: 20, select: { messageType: true, content: true, sourceCreatedAt: true },
    }),
    db.projectSource.findUnique({ where: { projectId_kind: { projectId: input.projectId, kind: "chatwoot_account" } } }),
    db.project.findUniqueOrThrow({ where: { id: input.projectId }, select: { name: true } }),
  ]);
  if (!conv || !source) throw new ValidationError("the conversation this recommendation cites is no longer in the project");
  const contact = conv.contactExternalId ? await db.cwContact.findUnique({ where: { projectId_externalId: { projectId: input.projectId, externalId: conv.contactExternalId } } }) : null;
  const clientTexts = history.filter((m) => m.messageType === INCOMING).map((m) => m.content ?? "");
  const language = conversationLanguage(clientTexts.length ? clientTexts : history.map((m) => m.content ?? ""));
  const signals = rec.signalSnapshot as Record<string, number>;
  const approvalPending = Number(signals.approval_pending ?? 0) > 0;
  const template = clientMessageDraft({
    category: rec.category, language, recipientFirstName: firstName(contact?.name ?? null), projectName: project.name, senderName: input.senderName,
    quoted: thread.quoted?.content ? { text: thread.quoted.content, at: thread.quoted.sourceCreatedAt } : null,
    approvalPending, requestCount: Number(signals.scope_requests_7d ?? 0),
  });
  const base: MessageDraft = {
    type: "send_message", conversationId: Number(thread.conversationId), conversationUrl: chatwootLinks(source.baseUrl ?? "", conv.accountId)(Number(thread.conversationId)),
    recipient: { name: contact?.name ?? null, email: contact?.email ?? null }, language,
    recent: history.slice(0, 4).map((m) => ({ author: m.messageType === INCOMING ? "client" as const : "team" as const, at: m.sourceCreatedAt, text: (m.content ?? "").slice(0, 500) })),
    content: template, followUpSteps: followUpStepDrafts(language, firstName(contact?.name ?? null)), source: "template", note: null,
  };
  return polishWithLlm(env, base);
}

const polished = z.object({ message: z.string().trim().min(10).max(5000) });

/**
 * With a language model configured, it may make the template read more naturally — given only what
 * the client can already see (the draft and the recent messages), never the internal rationale. The
 * result is still a draft a person edits and confirms; any failure keeps the template.
 */
async function polishWithLlm(env: Env, draft: MessageDraft): Promise<MessageDraft> {
  const client = llmClient(env);
  if (!client) return draft;
  try {
    const res = await client.chat.completions.create({
      model: env.OPENAI_MODEL, temperature: 0.3, response_format: { type: "json_object" },
      messages: [
        { role: "system", content: `You help an agency write short, polite messages to a client. Improve the draft so it reads naturally, in ${draft.language === "ru" ? "Russian" : "English"}, keeping its meaning, names, dates and quotes. Do not add promises, prices or dates. Answer with a JSON object with the key message.` },
        { role: "user", content: JSON.stringify({ message: draft.content, recentConversation: draft.recent.map((m) => `${m.author}: ${m.text}`).join("\n") }) },
      ],
    });
    const parsed = polished.safeParse(JSON.parse(res.choices[0]?.message?.content ?? "null"));
    if (!parsed.success) return { ...draft, note: "The language model's answer was not usable; this is the template." };
    return { ...draft, content: parsed.data.message, source: "llm" };
  } catch (e) {
    return { ...draft, note: `The language model is unavailable (${describeLlmError(e)}); this is the template.` };
  }
}

/** A task's due date: the recommendation's, but never before `today` (the reader's date). */
export function taskDueDate(rec: { dueDate: Date }, today: string): string {
  const due = isoDay(rec.dueDate);
  return due < today ? today : due;
}

/** A task's default text: the recommendation's reasoning and the records behind it, as links. */
export function taskDescription(rec: Parameters<typeof displayText>[0] & { evidenceRefs: unknown }): string {
  const text = displayText(rec);
  const evidence = (rec.evidenceRefs as EvidenceRef[]).slice(0, 10).map((e) => `- ${e.kind}: ${e.url ?? e.id}${e.snippet ? ` — ${e.snippet.slice(0, 120)}` : ""}`).join("\n");
  return `${text.rationale}\n\nWhy now: ${text.whyNow}\n\nEvidence:\n${evidence}`;
}

async function taskDraft(db: Db, env: Env, rec: Rec, input: { projectId: string; now: Date; timeZone?: string }): Promise<TaskDraft> {
  const today = dayIn(input.now, input.timeZone);
  const text = displayText(rec);
  let teams: { id: string; name: string }[] = [];
  let note: string | null = null;
  try {
    teams = await linearTeams(db, env, input.projectId);
    if (!teams.length) note = "The Linear workspace has no team to create the task in.";
  } catch (e) {
    note = `Linear could not be reached to list its teams (${e instanceof Error ? e.message.slice(0, 200) : String(e)}); try again later.`;
  }
  return {
    type: "create_or_update_task", title: text.title.slice(0, 250), description: taskDescription(rec),
    dueDate: taskDueDate(rec, today), today, teams, teamId: teams[0]?.id ?? null, note,
  };
}

/** The editable draft of an action; nothing is sent or created until the person confirms it. */
export async function draftAction(db: Db, env: Env, input: { projectId: string; recommendationId: string; type: "send_message" | "create_or_update_task"; senderName: string | null; now: Date; timeZone?: string }): Promise<Draft> {
  const rec = await findRec(db, input.projectId, input.recommendationId);
  const options = await actionOptions(db, input);
  const option = options.find((o) => o.type === input.type)!;
  if (!option.available) throw new ValidationError(`this action is not available here: ${option.reason}`);
  return input.type === "send_message" ? messageDraft(db, env, rec, input) : taskDraft(db, env, rec, input);
}
