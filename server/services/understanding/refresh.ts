import type { Db } from "../../db.ts";
import type { Env } from "../../env.ts";
import { sql } from "../../sql.ts";
import { isoDay } from "../../time.ts";
import { chatwootLinks } from "../connectors/chatwoot.ts";
import { appendEvents } from "../events/event-log.ts";
import { labelEvents } from "./events.ts";
import { describeLlmError, llmClient } from "../llm/client.ts";
import { classifyLocal } from "./local-engine.ts";
import { classifyBatchWithOpenAi, LlmAnswerError, openAiEngineVersion } from "./openai-engine.ts";
import { contentHash, effectiveUnderstandings, localModelFor, writeUnderstandings } from "./service.ts";
import type { Author } from "./types.ts";

// message_understanding (per project): keeps every message's understanding current — the local
// engine for messages it has not read with the current model (a workspace retrained with its
// corrections, a new engine), and, with an OpenAI key, the language model within the workspace's
// daily token budget. Labels found since the message arrived become events like those of the sync.
// Safe to run twice: results are keyed by message and engine, events by message and type.

const LOCAL_BATCH = 2_000;
/** Language-model calls per run, and how long a run may spend on them: the rest waits for the next run. */
const MAX_CALLS_PER_RUN = 10;
const MAX_RUN_MS = 60_000;

type Msg = { id: string; conversation: string; account: string; type: number; content: string | null; at: Date };

export async function refreshMessageUnderstanding(db: Db, env: Env, input: { projectId: string; now: Date }): Promise<{ counters: Record<string, number>; warnings: string[] }> {
  const { projectId, now } = input;
  const q = sql(db);
  const warnings: string[] = [];
  const counters: Record<string, number> = { localClassified: 0, llmClassified: 0, llmCalls: 0, llmTokens: 0, eventsWritten: 0 };
  const model = await localModelFor(db, projectId);
  const msgs = (id: string, limit: number, engine: string, version: string) => q<Msg>`
    SELECT m.external_id AS id, m.conversation_external_id AS conversation, m.account_id AS account, m.message_type AS type, m.content, m.source_created_at AS at
    FROM cw_messages m LEFT JOIN message_understandings u ON u.project_id = m.project_id AND u.message_id = m.external_id AND u.engine = ${engine}
    WHERE m.project_id = ${id}::uuid AND m.deleted_at IS NULL AND NOT m.private AND m.message_type IN (0, 1)
      AND (u.message_id IS NULL OR u.engine_version <> ${version} OR u.content_hash <> encode(sha256(convert_to(coalesce(m.content, ''), 'UTF8')), 'hex'))
    ORDER BY m.source_created_at DESC LIMIT ${limit}`;
  const author = (m: Msg): Author => (m.type === 0 ? "client" : "team");
  const touched = new Set<string>();

  // 1. The local engine, for whatever it has not read with the current model.
  const stale = await msgs(projectId, LOCAL_BATCH, "local", model.version);
  if (stale.length) {
    await writeUnderstandings(db, projectId, stale.map((m) => ({ messageId: m.id, contentHash: contentHash(m.content ?? ""), u: classifyLocal(model, { from: author(m), text: m.content ?? "" }) })));
    counters.localClassified = stale.length;
    for (const m of stale) touched.add(m.id);
  }

  // 2. The language model, when configured, within the day's budget.
  const client = env.UNDERSTANDING_ENGINE === "openai" ? llmClient(env) : null;
  if (client) {
    const [ws] = await q<{ workspace_id: string; tokens: number }>`
      SELECT p.workspace_id, coalesce(u.tokens, 0)::int AS tokens FROM projects p
      LEFT JOIN understanding_usage u ON u.workspace_id = p.workspace_id AND u.day = ${isoDay(now)}::date WHERE p.id = ${projectId}::uuid`;
    let spent = ws?.tokens ?? 0;
    const pending = await msgs(projectId, env.UNDERSTANDING_BATCH_SIZE * MAX_CALLS_PER_RUN, "openai", openAiEngineVersion(env.OPENAI_MODEL));
    const started = Date.now();
    const record = (tokens: number) => q`INSERT INTO understanding_usage (workspace_id, day, tokens, calls) VALUES (${ws!.workspace_id}::uuid, ${isoDay(now)}::date, ${tokens}, 1)
      ON CONFLICT (workspace_id, day) DO UPDATE SET tokens = understanding_usage.tokens + EXCLUDED.tokens, calls = understanding_usage.calls + 1`;
    for (let i = 0; i < pending.length; i += env.UNDERSTANDING_BATCH_SIZE) {
      // A slow model must not hold the worker: the rest waits for the next run.
      if (Date.now() - started > MAX_RUN_MS) break;
      if (spent >= env.UNDERSTANDING_DAILY_TOKEN_BUDGET) {
        warnings.push(`the language model's daily budget for message understanding (${env.UNDERSTANDING_DAILY_TOKEN_BUDGET} tokens) is spent; ${pending.length - i} message(s) stay with the local engine until tomorrow`);
        break;
      }
      const batch = pending.slice(i, i + env.UNDERSTANDING_BATCH_SIZE);
      try {
        const res = await classifyBatchWithOpenAi(client, env.OPENAI_MODEL, model, batch.map((m) => ({ id: m.id, from: author(m), text: m.content ?? "" })));
        counters.llmCalls!++;
        counters.llmTokens! += res.tokens;
        spent += res.tokens;
        await record(res.tokens);
        const rows = batch.filter((m) => res.results.has(m.id)).map((m) => ({ messageId: m.id, contentHash: contentHash(m.content ?? ""), u: res.results.get(m.id)! }));
        await writeUnderstandings(db, projectId, rows);
        counters.llmClassified! += rows.length;
        for (const r of rows) touched.add(r.messageId);
      } catch (e) {
        // An answer that did not fit was paid for all the same.
        if (e instanceof LlmAnswerError && e.tokens) {
          spent += e.tokens;
          await record(e.tokens);
        }
        // Never a failed run: the local engine's reading stands, and the next run tries again.
        warnings.push(`the language model could not read messages (${describeLlmError(e)}); the local engine's results are used`);
        break;
      }
    }
  }

  // 3. Labels found now that the sync did not see become events, citing their span.
  if (touched.size) {
    const ids = [...touched];
    const [effective, rows, [source]] = await Promise.all([
      effectiveUnderstandings(db, projectId, ids),
      q<Msg>`SELECT external_id AS id, conversation_external_id AS conversation, account_id AS account, message_type AS type, content, source_created_at AS at
        FROM cw_messages WHERE project_id = ${projectId}::uuid AND external_id = ANY(${ids}::text[])`,
      q<{ base_url: string | null }>`SELECT base_url FROM project_sources WHERE project_id = ${projectId}::uuid AND kind = 'chatwoot_account'`,
    ]);
    const events = rows.flatMap((m) => {
      const u = effective.get(m.id);
      const url = source?.base_url ? chatwootLinks(source.base_url, m.account)(Number(m.conversation), m.id) : undefined;
      return u ? labelEvents({ projectId, account: m.account, messageId: m.id, conversationId: Number(m.conversation), occurredAt: m.at, fromClient: m.type === 0, url }, u.labels, u.engine) : [];
    });
    counters.eventsWritten = await appendEvents(db, events);
  }
  return { counters, warnings };
}
