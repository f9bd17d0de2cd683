import { StemmerEn } from "@nlpjs/lang-en-min";
import { StemmerRu } from "@nlpjs/lang-ru";
import { cueFeatures } from "./cues.ts";

// Features of a text for the local engine: word stems (NLP.js's English and Russian stemmers, chosen
// per word by its script), stem bigrams, character n-grams inside words (robust to typos and to
// inflections the stemmers miss), and a few shape features (a question mark, a quoted part). All are
// hashed into a fixed-size space, so the model is a plain weight vector.

export const DIMENSIONS = 1 << 18;
const NGRAM_MAX = 4;

const en = new StemmerEn();
const ru = new StemmerRu();
const CYRILLIC = /[\u0400-\u04FF]/;
const WORD = /[\p{L}\p{N}]+(?:['’-][\p{L}\p{N}]+)*/gu;

export function tokens(text: string): string[] {
  return (text.toLowerCase().replace(/ё/g, "е").match(WORD) ?? []).slice(0, 2_000);
}

const stemCache = new Map<string, string>();
export function stem(word: string): string {
  let s = stemCache.get(word);
  if (s === undefined) {
    s = CYRILLIC.test(word) ? ru.stem(word) : /^\p{N}+$/u.test(word) ? "<num>" : en.stem(word);
    if (stemCache.size > 200_000) stemCache.clear();
    stemCache.set(word, s);
  }
  return s;
}

/** FNV-1a, 32 bit. */
export function hash(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Feature indices and their values (parallel arrays: fast to iterate in the learner). */
const NGRAM_SEED = hash("char-ngram");

export type SparseVector = { idx: Int32Array; val: Float32Array };

/** The hashed feature vector of a text (L2-normalised counts); `extra` adds features that are not from the text (e.g. the author). */
export function featurize(text: string, extra: string[] = []): SparseVector {
  const v = new Map<number, number>();
  const add = (f: string, w = 1) => {
    const k = hash(f) % DIMENSIONS;
    v.set(k, (v.get(k) ?? 0) + w);
  };
  const words = tokens(text);
  const stems = words.map(stem);
  for (const s of stems) add(`w:${s}`);
  for (let i = 1; i < stems.length; i++) add(`b:${stems[i - 1]}_${stems[i]}`, 0.7);
  // Character 3- and 4-grams of each word (with its boundaries), hashed in one pass per start.
  for (const w of words) {
    if (w.length < 3) continue;
    const padded = `<${w}>`;
    for (let i = 0; i + 3 <= padded.length; i++) {
      let h = NGRAM_SEED;
      for (let j = i; j < i + NGRAM_MAX && j < padded.length; j++) {
        h = Math.imul(h ^ padded.charCodeAt(j), 0x01000193) >>> 0;
        if (j - i + 1 >= 3) {
          const k = ((h ^ (j - i + 1)) >>> 0) % DIMENSIONS;
          v.set(k, (v.get(k) ?? 0) + 0.25);
        }
      }
    }
  }
  if (text.includes("?")) add("shape:question", 2);
  if (words.length <= 6) add("shape:short");
  add("bias");
  for (const e of extra) add(e, 2);
  for (const c of cueFeatures(text)) add(c, 1.5);
  let norm = 0;
  for (const x of v.values()) norm += x * x;
  norm = Math.sqrt(norm) || 1;
  const idx = new Int32Array(v.size);
  const val = new Float32Array(v.size);
  let i = 0;
  for (const [k, x] of v) {
    idx[i] = k;
    val[i++] = x / norm;
  }
  return { idx, val };
}
