// npm run eval:messages — how well each message-understanding engine reads real client text.
// Trains the local engine on corpus/train*.jsonl and scores it on corpus/test.jsonl (never used for
// training or tuning), beside the keyword rules the product used before, per label and language;
// tone sign accuracy on clearly positive / negative messages; speed. With OPENAI_API_KEY (and
// optionally OPENAI_BASE_URL) the openai engine is scored too. `-- --validate` scores on a held-out
// fifth of the training files instead (what settings are tuned on). `-- --cv` runs 5-fold
// cross-validation on the training files: the local engine beside NLP.js's own NeuralNetwork
// classifier on the same stems (why this engine and not NLP.js's, docs/understanding.md).
import { createHash } from "node:crypto";
import { readCorpus, type CorpusRow } from "../server/services/understanding/corpus.ts";
import { legacyLabels, legacyTone } from "../server/services/understanding/legacy-rules.ts";
import { baseModel, classifyLocal, trainLocalModel } from "../server/services/understanding/local-engine.ts";
import { LABELS, LABELS_BY_AUTHOR, type Label } from "../server/services/understanding/types.ts";
import { stem, tokens } from "../server/services/understanding/features.ts";
import { NeuralNetwork } from "@nlpjs/neural";
import { TEXT_POOL, type TextKind } from "../server/simulators/generator.ts";
import { parseEnv } from "../server/env.ts";
import { llmClient } from "../server/services/llm/client.ts";
import { classifyBatchWithOpenAi } from "../server/services/understanding/openai-engine.ts";

type Prediction = { labels: Label[]; tone: number };

/** The openai engine on the same messages, in batches like the product sends them; a failed batch counts as answered with nothing. */
async function evaluateOpenAi(rows: CorpusRow[]): Promise<Prediction[]> {
  const env = parseEnv({ ...process.env, LOG_LEVEL: "silent" });
  const client = llmClient(env)!;
  const out: Prediction[] = [];
  for (let i = 0; i < rows.length; i += env.UNDERSTANDING_BATCH_SIZE) {
    const batch = rows.slice(i, i + env.UNDERSTANDING_BATCH_SIZE);
    try {
      const res = await classifyBatchWithOpenAi(client, env.OPENAI_MODEL, model, batch.map((r) => ({ id: r.id, from: r.from, text: r.text })));
      for (const r of batch) { const u = res.results.get(r.id); out.push({ labels: u?.labels.map((l) => l.label) ?? [], tone: u?.tone ?? 0 }); }
    } catch (e) {
      console.error(`openai batch ${i / env.UNDERSTANDING_BATCH_SIZE + 1} failed: ${e instanceof Error ? e.message : String(e)}`);
      for (const _ of batch) out.push({ labels: [], tone: 0 });
    }
  }
  return out;
}
type Engine = { name: string; predict: (rows: CorpusRow[]) => Promise<Prediction[]> | Prediction[] };

/** True/false positives and misses of one label over the messages of the author who can carry it. */
function confusion(pairs: readonly (readonly [CorpusRow, Label[]])[], label: Label, keep: (r: CorpusRow) => boolean = () => true) {
  const author = LABELS_BY_AUTHOR.client.includes(label) ? "client" : "team";
  let tp = 0, fp = 0, fn = 0;
  for (const [r, said] of pairs) {
    if (r.from !== author || !keep(r)) continue;
    const truth = r.labels.includes(label), yes = said.includes(label);
    if (truth && yes) tp++; else if (yes) fp++; else if (truth) fn++;
  }
  return { tp, fp, fn };
}

/** 5-fold cross-validation on the training files: F1 per label for each engine, mean and range over folds. */
function crossValidate(rows: CorpusRow[]): void {
  const fold = (r: CorpusRow) => parseInt(createHash("sha1").update(r.id).digest("hex").slice(0, 8), 16) % 5;
  const nlpjsInput = (r: CorpusRow) => Object.fromEntries([`from:${r.from}`, ...tokens(r.text).map(stem)].map((k) => [k, 1]));
  const engines = {
    local: (train: CorpusRow[]) => { const m = trainLocalModel(train); return (r: CorpusRow) => classifyLocal(m, r).labels.map((l) => l.label); },
    "NLP.js NeuralNetwork": (train: CorpusRow[]) => {
      const net = new NeuralNetwork({ log: false });
      net.train(train.map((r) => ({ input: nlpjsInput(r), output: Object.fromEntries((r.labels.length ? r.labels : ["none"]).map((l) => [l, 1])) })));
      return (r: CorpusRow) => { const out = net.run(nlpjsInput(r)) as Record<string, number> | undefined; return LABELS.filter((l) => (out?.[l] ?? 0) > 0.5); };
    },
  } satisfies Record<string, (train: CorpusRow[]) => (r: CorpusRow) => Label[]>;
  console.log(`5-fold cross-validation on the training files (${rows.length} messages); F1 per label: mean (min–max over folds)\n`);
  for (const [name, fit] of Object.entries(engines)) {
    const f1s = new Map<Label, number[]>();
    let trainMs = 0, predictMs = 0;
    for (let k = 0; k < 5; k++) {
      let t = performance.now();
      const predict = fit(rows.filter((r) => fold(r) !== k));
      trainMs += performance.now() - t;
      t = performance.now();
      const test = rows.filter((r) => fold(r) === k).map((r) => [r, predict(r)] as const);
      predictMs += performance.now() - t;
      for (const label of LABELS) {
        const { tp, fp, fn } = confusion(test, label);
        f1s.set(label, [...(f1s.get(label) ?? []), tp ? (2 * tp) / (2 * tp + fp + fn) : 0]);
      }
    }
    console.log(`== ${name} (training ${Math.round(trainMs / 5)} ms per fold, reading ${Math.round((rows.length / predictMs) * 1000)} messages/s)`);
    for (const [label, v] of f1s) console.log(`${label.padEnd(17)} ${(v.reduce((a, b) => a + b, 0) / v.length).toFixed(2)} (${Math.min(...v).toFixed(2)}–${Math.max(...v).toFixed(2)})`);
    console.log("");
  }
}

if (process.argv.includes("--cv")) {
  crossValidate(readCorpus("train"));
  process.exit(0);
}

const validate = process.argv.includes("--validate");
const all = readCorpus("train");
const inValidation = (r: CorpusRow) => parseInt(createHash("sha1").update(r.id).digest("hex").slice(0, 8), 16) % 5 === 0;
const trainRows = validate ? all.filter((r) => !inValidation(r)) : all;
const testRows = validate ? all.filter(inValidation) : readCorpus("test");

let t0 = performance.now();
const model = trainLocalModel(trainRows);
const trainMs = performance.now() - t0;
// How long the product waits for its model: the cached base model (trained once per corpus version).
t0 = performance.now();
baseModel();
const loadMs = performance.now() - t0;

const engines: Engine[] = [
  { name: "local", predict: (rows) => rows.map((r) => { const u = classifyLocal(model, r); return { labels: u.labels.map((l) => l.label), tone: u.tone }; }) },
  { name: "keyword rules (before)", predict: (rows) => rows.map((r) => ({ labels: legacyLabels(r), tone: legacyTone(r.text) })) },
];
if (process.env.OPENAI_API_KEY) engines.push({ name: `openai (${process.env.OPENAI_MODEL ?? "gpt-4o-mini"})`, predict: (rows) => evaluateOpenAi(rows) });

const f = (n: number) => (Number.isNaN(n) ? "  —  " : n.toFixed(2).padStart(5));
console.log(`Message understanding on ${validate ? "a held-out fifth of train.jsonl (validation)" : "corpus/test.jsonl"}: ${testRows.length} messages (${trainRows.length} to train on)\n`);
for (const engine of engines) {
  t0 = performance.now();
  const preds = await engine.predict(testRows);
  const ms = performance.now() - t0;
  console.log(`== ${engine.name}`);
  console.log(`label             language    n+   precision  recall     F1`);
  const pairs = testRows.map((r, i) => [r, preds[i]!.labels] as const);
  for (const label of LABELS) {
    for (const lang of ["en", "ru", "mixed", "all"] as const) {
      const { tp, fp, fn } = confusion(pairs, label, (r) => lang === "all" || r.language === lang);
      const p = tp / (tp + fp), rc = tp / (tp + fn);
      console.log(`${label.padEnd(17)} ${lang.padEnd(8)} ${String(tp + fn).padStart(5)}   ${f(p)}     ${f(rc)}     ${f((2 * p * rc) / (p + rc))}`);
    }
  }
  for (const lang of ["en", "ru", "mixed", "all"] as const) {
    const clear = testRows.map((r, i) => [r, preds[i]!] as const).filter(([r]) => Math.abs(r.tone) >= 0.6 && (lang === "all" || r.language === lang));
    const right = clear.filter(([r, p]) => Math.sign(p.tone) === Math.sign(r.tone) && Math.abs(p.tone) >= 0.1).length;
    console.log(`tone sign on clearly positive/negative (${lang}): ${right}/${clear.length} = ${f(right / clear.length)}`);
  }
  console.log(`speed: ${Math.round((testRows.length / ms) * 1000)} messages/s on one core${engine.name === "local" ? ` (training from ${trainRows.length} messages: ${Math.round(trainMs)} ms; the product's model loads in ${Math.round(loadMs)} ms)` : ""}\n`);
}

// Learning from corrections, measured: a simulated workspace whose messages are the generator's text
// pool (another author; its kinds give the labels), where a PM corrects every mistake the local
// engine makes on four fifths of the messages. The engine retrained with those corrections (weighted
// as understanding_retrain weighs them) is scored on the fifth it never saw, beside the base model.
if (!validate) {
  const POOL_LABELS: Partial<Record<TextKind, { from: "client" | "team"; labels: Label[] }>> = {
    scope_request: { from: "client", labels: ["scope_change"] }, new_need: { from: "client", labels: ["new_need"] },
    approval_request: { from: "team", labels: ["approval_request", "expects_reply"] }, approval_reminder: { from: "team", labels: ["expects_reply"] },
    client_chatter: { from: "client", labels: [] }, client_negative: { from: "client", labels: [] }, client_positive: { from: "client", labels: [] },
  };
  const pool = (["en", "ru"] as const).flatMap((lang) => (Object.entries(POOL_LABELS) as [TextKind, { from: "client" | "team"; labels: Label[] }][])
    .flatMap(([kind, meta]) => TEXT_POOL[lang][kind].map((text, i) => ({ id: `${lang}-${kind}-${i}`, text: text.replaceAll("{client}", "Acme").replaceAll("{name}", "Ana"), ...meta }))));
  const held = (id: string) => parseInt(createHash("sha1").update(id).digest("hex").slice(0, 8), 16) % 5 === 0;
  const judge = (m: typeof model, rows: typeof pool) => {
    let right = 0, of = 0;
    for (const r of rows) {
      const said = new Set(classifyLocal(m, r).labels.map((l) => l.label));
      for (const label of LABELS_BY_AUTHOR[r.from]) { of++; if (said.has(label) === r.labels.includes(label)) right++; }
    }
    return right / of;
  };
  const seen = pool.filter((r) => !held(r.id));
  const corrections = seen.filter((r) => { const said = classifyLocal(model, r).labels.map((l) => l.label).sort().join(); return said !== [...r.labels].sort().join(); });
  const retrained = trainLocalModel([...trainRows, ...corrections.map((r) => ({ from: r.from, text: r.text, labels: r.labels, tone: 0, spans: {}, weight: 3 }))]);
  const heldBack = pool.filter((r) => held(r.id));
  console.log(`== learning from corrections (the generator's pool as one workspace's messages: ${pool.length}, ${corrections.length} corrected, ${heldBack.length} held back)`);
  console.log(`labels right on the corrected messages: base model ${f(judge(model, seen))}, retrained ${f(judge(retrained, seen))}`);
  console.log(`labels right on the held-back messages: base model ${f(judge(model, heldBack))}, retrained ${f(judge(retrained, heldBack))}\n`);
}
