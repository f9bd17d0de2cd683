// npm run classify — reads JSON lines {"id", "from": "client"|"team", "text"} on stdin and writes one
// JSON line per input: {"id", "labels", "tone", "language", "evidence": [{"label", "span"}], "engine"}.
// The local engine unless `-- --engine openai` and OPENAI_API_KEY are given; no database needed.
// A line that is not a message gets {"id", "error"} instead; nothing stops the stream.
import readline from "node:readline";
import { z } from "zod";
import { parseEnv } from "../server/env.ts";
import { llmClient } from "../server/services/llm/client.ts";
import { baseModel, classifyLocal } from "../server/services/understanding/local-engine.ts";
import { classifyBatchWithOpenAi } from "../server/services/understanding/openai-engine.ts";
import type { MessageInput, Understanding } from "../server/services/understanding/types.ts";

const line = z.object({ id: z.union([z.string(), z.number()]).transform(String), from: z.enum(["client", "team"]), text: z.string() });
const wantOpenAi = process.argv.includes("--engine") && process.argv[process.argv.indexOf("--engine") + 1] === "openai";
const env = parseEnv({ ...process.env, LOG_LEVEL: "silent" });
const client = wantOpenAi ? llmClient(env) : null;
if (wantOpenAi && !client) process.stderr.write("classify: --engine openai needs OPENAI_API_KEY; using the local engine\n");
const model = baseModel();

const out = (o: unknown) => process.stdout.write(`${JSON.stringify(o)}\n`);
const emit = (id: string, u: Understanding) =>
  out({ id, labels: u.labels.map((l) => l.label), tone: u.tone, language: u.language, evidence: u.labels.map((l) => ({ label: l.label, span: l.span })), engine: u.engine });

let batch: (MessageInput & { id: string })[] = [];
async function flush() {
  if (!batch.length) return;
  const items = batch;
  batch = [];
  let results = new Map<string, Understanding>();
  if (client) {
    try {
      results = (await classifyBatchWithOpenAi(client, env.OPENAI_MODEL, model, items)).results;
    } catch (e) {
      process.stderr.write(`classify: the language model failed (${e instanceof Error ? e.message : String(e)}); the local engine answers\n`);
    }
  }
  for (const m of items) emit(m.id, results.get(m.id) ?? classifyLocal(model, m));
}

const rl = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
let n = 0;
for await (const raw of rl) {
  n++;
  if (!raw.trim()) continue;
  let parsed: z.infer<typeof line>;
  try {
    const r = line.safeParse(JSON.parse(raw));
    if (!r.success) {
      out({ id: (JSON.parse(raw) as { id?: unknown })?.id ?? null, error: `line ${n}: ${r.error.issues.map((i) => `${i.path.join(".") || "line"}: ${i.message}`).join("; ")}` });
      continue;
    }
    parsed = r.data;
  } catch {
    out({ id: null, error: `line ${n}: not JSON` });
    continue;
  }
  batch.push(parsed);
  if (!client || batch.length >= env.UNDERSTANDING_BATCH_SIZE) await flush();
}
await flush();
