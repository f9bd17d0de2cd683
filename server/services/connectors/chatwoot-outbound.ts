import { z } from "zod";
import type { Db } from "../../db.ts";
import type { Env } from "../../env.ts";
import { createHttpClient } from "./http-client.ts";
import { resolveSource } from "./sources.ts";
import { httpOptionsFor } from "./sync.ts";

// Writing to a client through Chatwoot: an outgoing message in a conversation, and the
// conversation's recent messages (to find a send that a crashed attempt already made, or the
// client's answer that makes a follow-up unnecessary).

const message = z.object({ id: z.number(), content: z.string().nullable().optional(), created_at: z.number(), message_type: z.number().optional() }).passthrough();
export type ChatwootMessage = z.infer<typeof message>;

async function client(db: Db, env: Env, projectId: string) {
  const source = await resolveSource(db, env, projectId, "chatwoot");
  return { base: `api/v1/accounts/${encodeURIComponent(source.externalId)}/conversations`, http: createHttpClient(httpOptionsFor("chatwoot", source, { maxRetries: 1 })) };
}

export async function recentMessages(db: Db, env: Env, input: { projectId: string; conversationId: number }): Promise<ChatwootMessage[]> {
  const { base, http } = await client(db, env, input.projectId);
  return (await http.request("GET", `${base}/${input.conversationId}/messages`, { schema: z.object({ payload: z.array(message) }) })).data.payload;
}

/**
 * Posts an outgoing message. With `recoverSince`, a message with the same text posted since then is
 * taken as this one (an earlier attempt reached Chatwoot before its answer was lost) instead of
 * sending it twice.
 */
export async function postChatwootMessage(db: Db, env: Env, input: { projectId: string; conversationId: number; content: string; recoverSince?: Date }) {
  const { base, http } = await client(db, env, input.projectId);
  if (input.recoverSince) {
    const recent = await recentMessages(db, env, input);
    const sent = recent.find((m) => m.content === input.content && m.created_at * 1000 >= input.recoverSince!.getTime() - 1000);
    if (sent) return { messageId: sent.id, conversationId: input.conversationId, recovered: true };
  }
  const res = await http.request("POST", `${base}/${input.conversationId}/messages`, { body: { content: input.content, message_type: "outgoing", private: false }, schema: message });
  return { messageId: res.data.id, conversationId: input.conversationId, recovered: false };
}
