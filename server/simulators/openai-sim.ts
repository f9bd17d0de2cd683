import { createHash } from "node:crypto";
import { localEmbedding } from "../services/rag/local-embedder.ts";
import { baseModel, classifyLocal } from "../services/understanding/local-engine.ts";
import { startSimServer, type SimRequest, type SimResponse } from "./sim-server.ts";

// A local OpenAI-compatible server for tests and the demo: POST /v1/chat/completions (rewords the
// JSON it is given, deterministically; answers structured-output requests for message understanding) and POST /v1/embeddings (deterministic unit vectors of the
// requested dimension), Bearer auth, OpenAI's error shape, and the usual fault switches (429, 5xx…).

export const SIM_OPENAI_KEY = "sk-sim-local";

const error = (status: number, type: string, message: string): SimResponse => ({ status, body: { error: { message, type, param: null, code: type } } });

function handler(req: SimRequest): SimResponse {
  if (req.headers.authorization !== `Bearer ${SIM_OPENAI_KEY}`) return error(401, "invalid_api_key", "Incorrect API key provided.");
  const body = (req.body ?? {}) as { model?: string; messages?: { role: string; content: string }[]; input?: string | string[]; dimensions?: number; encoding_format?: "float" | "base64" };
  if (req.method === "POST" && req.path === "/v1/chat/completions" && (body as { response_format?: { type?: string } }).response_format?.type === "json_schema") {
    return structuredOutput(body as StructuredRequest);
  }
  if (req.method === "POST" && req.path === "/v1/chat/completions") {
    const last = body.messages?.at(-1)?.content ?? "";
    let src: Record<string, string>;
    try {
      src = JSON.parse(last) as Record<string, string>;
    } catch {
      return error(400, "invalid_request_error", "expected a JSON user message");
    }
    // "Rewording": a stable, recognisable transformation that keeps every fact.
    const content = JSON.stringify(Object.fromEntries(Object.entries(src).map(([k, v]) => [k, k === "title" ? `Next step: ${v}` : `${v}`])));
    return {
      status: 200,
      body: {
        id: `chatcmpl-${createHash("sha1").update(last).digest("hex").slice(0, 12)}`, object: "chat.completion", created: 1_700_000_000, model: body.model ?? "gpt-4o-mini",
        choices: [{ index: 0, finish_reason: "stop", logprobs: null, message: { role: "assistant", content, refusal: null } }],
        usage: { prompt_tokens: 50, completion_tokens: 50, total_tokens: 100 },
      },
    };
  }
  if (req.method === "POST" && req.path === "/v1/embeddings") {
    const inputs = Array.isArray(body.input) ? body.input : [body.input ?? ""];
    const dim = body.dimensions ?? 1536;
    return {
      status: 200,
      body: {
        object: "list", model: body.model ?? "text-embedding-3-small", usage: { prompt_tokens: 10, total_tokens: 10 },
        data: inputs.map((t, index) => {
          const v = localEmbedding(`openai:${String(t)}`, dim);
          // Like the real API: base64 of little-endian float32 when asked (the SDK's default), else numbers.
          return { object: "embedding", index, embedding: body.encoding_format === "base64" ? Buffer.from(new Float32Array(v).buffer).toString("base64") : v };
        }),
      },
    };
  }
  return error(404, "not_found", `Unknown path ${req.path}`);
}

type StructuredRequest = { model?: string; messages?: { role: string; content: string }[]; response_format: { type: "json_schema"; json_schema?: { name?: string; strict?: boolean; schema?: { type?: string } } } };

/**
 * Structured output as the real API does it: a `json_schema` response format with a name and an
 * object schema is required (else a 400 in OpenAI's shape), and the answer is one JSON document in
 * `message.content` that follows the schema. For message understanding the simulator reads the
 * messages with the local engine — deterministic, schema-valid answers for the plumbing around it.
 */
function structuredOutput(body: StructuredRequest): SimResponse {
  const f = body.response_format.json_schema;
  if (!f?.name || f.schema?.type !== "object") return error(400, "invalid_request_error", "Invalid schema for response_format: a json_schema with a name and an object schema is required.");
  if (f.name !== "message_understanding") return error(400, "invalid_request_error", `The simulator answers the message_understanding schema only (got ${f.name}).`);
  let input: { messages?: { id: string; from: "client" | "team"; text: string }[] };
  try {
    input = JSON.parse(body.messages?.at(-1)?.content ?? "") as typeof input;
  } catch {
    return error(400, "invalid_request_error", "expected a JSON user message");
  }
  const model = baseModel();
  const messages = (input.messages ?? []).map((m) => {
    const u = classifyLocal(model, { from: m.from, text: m.text });
    return { id: m.id, labels: u.labels.map((l) => ({ label: l.label, confidence: l.confidence, span: l.span })), tone: u.tone, language: u.language };
  });
  const content = JSON.stringify({ messages });
  const promptTokens = Math.ceil(JSON.stringify(body.messages ?? []).length / 4);
  const completionTokens = Math.ceil(content.length / 4);
  return {
    status: 200,
    body: {
      // Like the real API, the answer names the dated model behind the alias asked for.
      id: `chatcmpl-${createHash("sha1").update(content).digest("hex").slice(0, 12)}`, object: "chat.completion", created: 1_700_000_000, model: `${body.model ?? "gpt-4o-mini"}-2024-07-18`,
      choices: [{ index: 0, finish_reason: "stop", logprobs: null, message: { role: "assistant", content, refusal: null } }],
      usage: { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens },
    },
  };
}

export function startOpenAiSim(port?: number) {
  return startSimServer("openai", handler, {
    renderRateLimit: (f) => ({ ...error(429, "rate_limit_exceeded", "Rate limit reached for requests"), headers: { "retry-after": String(f.retryAfterSeconds ?? 1) } }),
    renderError: (status) => error(status, "server_error", "The server had an error while processing your request."),
    port,
  });
}
