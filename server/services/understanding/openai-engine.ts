import { z } from "zod";
import type OpenAI from "openai";
import { classifyLocal, type LocalModel } from "./local-engine.ts";
import { cleanText, ownPart, sentences } from "./text.ts";
import { LABELS, LABELS_BY_AUTHOR, type Label, type MessageInput, type Understanding } from "./types.ts";

// The openai engine: the language model reads a batch of messages at once and answers in a JSON
// schema (structured output), validated with zod. Works with any OpenAI-compatible endpoint
// (OPENAI_BASE_URL), so a self-hosted model can keep client text in-house. The prompt and the model
// are part of the engine version stored with every result. Callers fall back to the local engine.

export const PROMPT_VERSION = "mu-prompt-1";
export const openAiEngineVersion = (model: string) => `openai:${model}:${PROMPT_VERSION}`;

const SYSTEM = [
  "You read messages between a digital agency's team and its client, and say what each message does.",
  "Labels: scope_change — the client asks for work beyond what was agreed (extra features, pages, reports, changes to agreed deliverables);",
  "new_need — the client mentions a need that could become new business (another product, site, phase, office, country, brand, a retainer, a referral);",
  "approval_request — the team asks the client to approve, confirm, sign off or accept something (it also expects a reply);",
  "expects_reply — the team's message needs an answer from the client (a question, a request for information or a decision, a reminder).",
  "scope_change and new_need apply only to client messages; approval_request and expects_reply only to team messages.",
  "Quoted replies and forwarded text below the author's own words are not the author's request.",
  "For each label that applies, quote the exact sentence of the message that carries it, copied character for character.",
  "tone is how the message feels, from -1 (clearly negative) through 0 (neutral) to 1 (clearly positive).",
  "language is en, ru, mixed or unknown. Answer only about the messages given, in the schema.",
].join(" ");

const clampTo = (lo: number, hi: number) => z.number().transform((v) => Math.min(hi, Math.max(lo, v)));
/** One message's answer. Numbers out of range are clamped, not refused: one odd value must not cost the batch. */
const messageAnswer = z.object({
  id: z.string(),
  labels: z.array(z.object({ label: z.enum(LABELS), confidence: clampTo(0, 1), span: z.string() })),
  tone: clampTo(-1, 1),
  language: z.enum(["en", "ru", "mixed", "unknown"]),
});
const answerSchema = z.object({ messages: z.array(z.unknown()) });

/** A call that failed after the model had answered: its tokens were spent all the same. */
export class LlmAnswerError extends Error {
  constructor(message: string, readonly tokens: number) {
    super(message);
  }
}

/** The JSON schema of the answer, as structured output wants it (strict: every property required). */
export const RESPONSE_FORMAT = {
  type: "json_schema" as const,
  json_schema: {
    name: "message_understanding",
    strict: true,
    schema: {
      type: "object", additionalProperties: false, required: ["messages"],
      properties: {
        messages: {
          type: "array",
          items: {
            type: "object", additionalProperties: false, required: ["id", "labels", "tone", "language"],
            properties: {
              id: { type: "string" },
              labels: {
                type: "array",
                items: {
                  type: "object", additionalProperties: false, required: ["label", "confidence", "span"],
                  properties: { label: { type: "string", enum: [...LABELS] }, confidence: { type: "number" }, span: { type: "string" } },
                },
              },
              tone: { type: "number" },
              language: { type: "string", enum: ["en", "ru", "mixed", "unknown"] },
            },
          },
        },
      },
    },
  },
};

export type OpenAiBatchResult = { results: Map<string, Understanding>; tokens: number };

/**
 * One call for a batch of messages. Labels that do not fit the author are dropped; a span the model
 * did not copy from the message is replaced by the message's most telling sentence (local engine),
 * so evidence always quotes the client's own words. Throws on transport errors and on answers that
 * do not fit the schema (the caller falls back).
 */
export async function classifyBatchWithOpenAi(client: OpenAI, model: string, local: LocalModel, messages: (MessageInput & { id: string })[]): Promise<OpenAiBatchResult> {
  const texts = new Map(messages.map((m) => [m.id, ownPart(cleanText(m.text))]));
  const res = await client.chat.completions.create({
    model, temperature: 0, response_format: RESPONSE_FORMAT,
    messages: [
      { role: "system", content: SYSTEM },
      { role: "user", content: JSON.stringify({ messages: messages.map((m) => ({ id: m.id, from: m.from, text: texts.get(m.id)!.slice(0, 4_000) })) }) },
    ],
  });
  const tokens = res.usage?.total_tokens ?? 0;
  let json: unknown = null;
  try {
    json = JSON.parse(res.choices[0]?.message?.content ?? "null");
  } catch {
    json = null;
  }
  const parsed = answerSchema.safeParse(json);
  if (!parsed.success) throw new LlmAnswerError(`the language model's answer does not fit the schema: ${parsed.error.issues[0]?.message ?? "empty"}`, tokens);
  // Each message's answer on its own: a malformed one leaves that message with the local reading.
  const answers = new Map<string, z.infer<typeof messageAnswer>>();
  for (const raw of parsed.data.messages) {
    const a = messageAnswer.safeParse(raw);
    if (a.success && !answers.has(a.data.id)) answers.set(a.data.id, a.data);
  }
  // The version names the model asked for: the API answers with a dated name ("gpt-4o-mini-2024-07-18").
  const version = openAiEngineVersion(model);
  const results = new Map<string, Understanding>();
  for (const m of messages) {
    const a = answers.get(m.id);
    if (!a) continue; // not answered: the local result stands for it
    const text = texts.get(m.id)!;
    const allowed = LABELS_BY_AUTHOR[m.from] as readonly Label[];
    const fallbackSpan = (label: Label) => classifyLocal(local, m).labels.find((l) => l.label === label)?.span ?? sentences(text)[0]?.text ?? text.slice(0, 300);
    const labels = a.labels.filter((l, i) => allowed.includes(l.label) && a.labels.findIndex((x) => x.label === l.label) === i)
      .map((l) => ({ label: l.label, confidence: Math.round(l.confidence * 1000) / 1000, span: l.span && text.includes(l.span) ? l.span : fallbackSpan(l.label) }));
    if (labels.some((l) => l.label === "approval_request") && !labels.some((l) => l.label === "expects_reply")) labels.push({ ...labels.find((l) => l.label === "approval_request")!, label: "expects_reply" });
    const scores = Object.fromEntries(allowed.map((l) => [l, labels.find((x) => x.label === l)?.confidence ?? 0]));
    results.set(m.id, { labels, scores, tone: Math.round(a.tone * 1000) / 1000, language: a.language, engine: "openai", engineVersion: version });
  }
  return { results, tokens };
}
