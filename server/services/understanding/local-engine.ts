import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { readCorpus, type CorpusRow } from "./corpus.ts";
import { featurize } from "./features.ts";
import { detectLanguage } from "./language.ts";
import { LinearModel, train, type Example } from "./linear-model.ts";
import { cleanText, ownPart, sentences } from "./text.ts";
import { LABELS, LABELS_BY_AUTHOR, type Author, type Label, type MessageInput, type Understanding } from "./types.ts";

// The local engine: one logistic regression per label and a least-squares tone model over hashed
// stems and character n-grams (features.ts), trained from the repository's labelled corpus when first
// needed (a fraction of a second) — deterministic, multilingual, no network, no model files. A
// workspace's corrections can be added to the training data (corrections.ts).

/** Bumped when features, learner or settings change: stored results of older versions are redone. */
export const LOCAL_ENGINE_CODE = "local-lr-1";

export const SETTINGS = {
  epochs: 6,
  rate: 0.35,
  l2: 1e-5,
  seed: 20261202,
  /** Decision thresholds per label, chosen by 5-fold cross-validation on train*.jsonl (never on test.jsonl). */
  thresholds: { scope_change: 0.6, new_need: 0.6, approval_request: 0.65, expects_reply: 0.75 } as Record<Label, number>,
};

/** How far a single sentence's probability counts for the whole message (chosen by cross-validation on train*.jsonl). */
export const SENTENCE_WEIGHT = 0.8;

export type LocalModel = { version: string; labels: Record<Label, LinearModel>; tone: LinearModel; thresholds: Record<Label, number> };

/** One training message: the corpus row shape (a correction is one too). `weight` counts it more. */
export type TrainingRow = Pick<CorpusRow, "from" | "text" | "labels" | "tone" | "spans"> & { weight?: number };

const authorFeature = (from: Author) => [`from:${from}`];

type Featurized = TrainingRow & { x: ReturnType<typeof featurize>; spanX: Partial<Record<Label, ReturnType<typeof featurize>>> };

function featurizeRows(rows: TrainingRow[]): Featurized[] {
  return rows.map((r) => {
    const text = ownPart(cleanText(r.text));
    const spanX: Featurized["spanX"] = {};
    for (const [label, span] of Object.entries(r.spans) as [Label, string][]) if (span && span.length < text.length) spanX[label] = featurize(span, authorFeature(r.from));
    return { ...r, x: featurize(text, authorFeature(r.from)), spanX };
  });
}

function examplesFor(rows: Featurized[], label: Label): Example[] {
  const author: Author = LABELS_BY_AUTHOR.client.includes(label) ? "client" : "team";
  const out: Example[] = [];
  for (const r of rows) {
    if (r.from !== author) continue;
    const y = r.labels.includes(label) ? 1 : 0;
    out.push({ x: r.x, y, weight: r.weight });
    // The sentence that carries the label is a positive example of its own: it teaches the model
    // what to quote as the span.
    const spanX = r.spanX[label];
    if (y && spanX) out.push({ x: spanX, y: 1, weight: (r.weight ?? 1) * 0.5 });
  }
  return out;
}

export function trainLocalModel(trainingRows: TrainingRow[], settings = SETTINGS): LocalModel {
  const rows = featurizeRows(trainingRows);
  const labels = Object.fromEntries(LABELS.map((label) => {
    const examples = examplesFor(rows, label);
    const pos = examples.filter((e) => e.y === 1).length;
    const positiveWeight = pos ? Math.min(4, (examples.length - pos) / pos) : 1;
    return [label, train(examples, { epochs: settings.epochs, rate: settings.rate, l2: settings.l2, seed: settings.seed, loss: "logistic", positiveWeight })];
  })) as Record<Label, LinearModel>;
  const tone = train(rows.map((r) => ({ x: r.x, y: r.tone, weight: r.weight })), {
    epochs: settings.epochs, rate: settings.rate * 0.5, l2: settings.l2, seed: settings.seed + 1, loss: "squared",
  });
  return { version: modelVersion(trainingRows, settings), labels, tone, thresholds: settings.thresholds };
}

/** Identifies what a model was trained from (rows, settings, engine code): results of another version are redone. */
export function modelVersion(rows: TrainingRow[], settings = SETTINGS): string {
  return `${LOCAL_ENGINE_CODE}:${createHash("sha1").update(JSON.stringify([settings, SENTENCE_WEIGHT, sourceHash(), rows.map((r) => [r.from, r.text, r.labels, r.tone, r.weight ?? 1])])).digest("hex").slice(0, 12)}`;
}

let source: string | null = null;
/** The engine's own code (features, cues, text handling, learner): changing any of it is a new version. */
function sourceHash(): string {
  source ??= createHash("sha1").update(["features.ts", "cues.ts", "text.ts", "linear-model.ts", "local-engine.ts"].map((f) => fs.readFileSync(path.join(import.meta.dirname, f), "utf8")).join("\n")).digest("hex");
  return source;
}

let base: LocalModel | null = null;
/**
 * The model trained from train*.jsonl, once per process: loaded from the on-disk cache of this exact
 * version when there is one (tens of milliseconds), else trained (about a second) and cached.
 */
export function baseModel(): LocalModel {
  if (base) return base;
  const rows = readCorpus("train");
  const version = modelVersion(rows);
  base = readCachedModel(version) ?? writeCachedModel(trainLocalModel(rows));
  return base;
}

const CACHE_DIR = process.env.UNDERSTANDING_CACHE_DIR ?? path.resolve(import.meta.dirname, "../../../.data/cache");
const cacheFile = (version: string) => path.join(CACHE_DIR, `understanding-${version.replace(/[^\w.-]/g, "_")}.bin`);

/** Binary layout: per model (4 labels, then tone) a count n, n int32 indices, n float32 weights; then the thresholds. */
function writeCachedModel(model: LocalModel): LocalModel {
  try {
    const parts: Buffer[] = [];
    for (const m of [...LABELS.map((l) => model.labels[l]), model.tone]) {
      const nz = m.toSparse();
      const head = Buffer.alloc(4);
      head.writeUInt32LE(nz.length);
      parts.push(head, Buffer.from(Int32Array.from(nz.map(([i]) => i)).buffer), Buffer.from(Float32Array.from(nz.map(([, w]) => w)).buffer));
    }
    parts.push(Buffer.from(JSON.stringify(model.thresholds)));
    fs.mkdirSync(CACHE_DIR, { recursive: true });
    const tmp = `${cacheFile(model.version)}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, Buffer.concat(parts));
    fs.renameSync(tmp, cacheFile(model.version));
  } catch {
    // The cache is a speed-up only: a read-only disk trains again next time.
  }
  return model;
}

function readCachedModel(version: string): LocalModel | null {
  let buf: Buffer;
  try {
    buf = fs.readFileSync(cacheFile(version));
  } catch {
    return null;
  }
  try {
    let at = 0;
    const models: LinearModel[] = [];
    for (let k = 0; k < LABELS.length + 1; k++) {
      const n = buf.readUInt32LE(at);
      at += 4;
      const idx = new Int32Array(buf.buffer.slice(buf.byteOffset + at, buf.byteOffset + at + 4 * n));
      at += 4 * n;
      const val = new Float32Array(buf.buffer.slice(buf.byteOffset + at, buf.byteOffset + at + 4 * n));
      at += 4 * n;
      const m = new LinearModel();
      for (let i = 0; i < n; i++) m.w[idx[i]!] = val[i]!;
      models.push(m);
    }
    const thresholds = JSON.parse(buf.subarray(at).toString("utf8")) as Record<Label, number>;
    return { version, labels: Object.fromEntries(LABELS.map((l, i) => [l, models[i]!])) as Record<Label, LinearModel>, tone: models[LABELS.length]!, thresholds };
  } catch {
    return null;
  }
}

function languageOf(text: string): Understanding["language"] {
  const cyr = text.match(/\p{Script=Cyrillic}/gu)?.length ?? 0;
  const lat = text.match(/\p{Script=Latin}/gu)?.length ?? 0;
  if (cyr + lat === 0) return "unknown";
  if (cyr > 0 && lat > 0 && Math.min(cyr, lat) / (cyr + lat) >= 0.25) return "mixed";
  return detectLanguage(text) ?? "unknown";
}

/** What one message says, by the local engine. Never throws: any text gives a result. */
export function classifyLocal(model: LocalModel, input: MessageInput): Understanding {
  const text = ownPart(cleanText(String(input.text ?? "")));
  const author: Author = input.from === "team" ? "team" : "client";
  const extra = authorFeature(author);
  const x = featurize(text, extra);
  const scores: Record<string, number> = {};
  const labels: Understanding["labels"] = [];
  const parts = text.trim() ? sentences(text) : [];
  const partX = parts.length > 1 ? parts.map((s) => featurize(s.text, extra)) : [];
  for (const label of LABELS_BY_AUTHOR[author]) {
    const m = model.labels[label];
    // A long email carries its request in one sentence: the message counts as strongly as its most
    // telling sentence (which is also the span quoted as evidence).
    let best = parts[0];
    let bestP = -1;
    partX.forEach((px, i) => {
      const ps = m.probability(px);
      if (ps > bestP) [best, bestP] = [parts[i]!, ps];
    });
    const p = Math.max(m.probability(x), bestP * SENTENCE_WEIGHT);
    scores[label] = round(p);
    if (p < model.thresholds[label] || !best) continue;
    labels.push({ label, confidence: round(p), span: best.text });
  }
  // Asking for an approval is asking for an answer.
  if (labels.some((l) => l.label === "approval_request") && !labels.some((l) => l.label === "expects_reply")) {
    const a = labels.find((l) => l.label === "approval_request")!;
    labels.push({ label: "expects_reply", confidence: a.confidence, span: a.span });
  }
  const tone = text.trim() ? Math.max(-1, Math.min(1, model.tone.raw(x))) : 0;
  return { labels, scores, tone: round(tone), language: languageOf(text), engine: "local", engineVersion: model.version };
}

const round = (v: number) => Math.round(v * 1000) / 1000;
