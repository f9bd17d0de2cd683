import { describe, expect, it } from "vitest";
import { TEXT_POOL } from "../../simulators/generator.ts";
import { readCorpus } from "./corpus.ts";
import { LABELS_BY_AUTHOR } from "./types.ts";

// The labelled corpus is data the product is judged on: it must be well-formed, big enough, in both
// languages, and kept apart — the test split from training, and the generator's texts from both.

const train = readCorpus("train");
const test = readCorpus("test");
/** A sentence of this many words or more is content, not a stock phrase. */
const SUBSTANTIVE = 9;
const norm = (s: string) => s.toLowerCase().replace(/ё/g, "е").replace(/[^\p{L}\p{N}]+/gu, " ").trim();
/** Sentences of at least four words, normalised: what "sharing a sentence" means. */
const sentencesOf = (text: string) => text.split(/(?<=[.!?…])\s+|\n+/u).map(norm).filter((s) => s.split(" ").length >= 4);

describe("the labelled message corpus", () => {
  it("is big enough, in both languages, with every label in each", () => {
    const all = [...train, ...test];
    expect(all.length).toBeGreaterThanOrEqual(1000);
    expect(all.filter((r) => r.language === "ru").length / all.length).toBeGreaterThanOrEqual(0.3);
    for (const rows of [train, test]) {
      for (const label of [...LABELS_BY_AUTHOR.client, ...LABELS_BY_AUTHOR.team]) {
        for (const language of ["en", "ru"]) expect(rows.filter((r) => r.language === language && r.labels.includes(label)).length, `${label} ${language}`).toBeGreaterThanOrEqual(15);
      }
    }
  });

  it("is well-formed: unique ids, labels that fit the author, spans that are exact substrings", () => {
    const ids = new Set<string>();
    for (const r of [...train, ...test]) {
      expect(ids.has(r.id), r.id).toBe(false);
      ids.add(r.id);
      for (const label of r.labels) expect(LABELS_BY_AUTHOR[r.from], `${r.id} ${label}`).toContain(label);
      if (r.labels.includes("approval_request")) expect(r.labels, r.id).toContain("expects_reply");
      for (const [label, span] of Object.entries(r.spans)) {
        expect(r.labels, `${r.id}: span for an absent label`).toContain(label);
        expect(r.text.includes(span), `${r.id}: span is not in the text`).toBe(true);
      }
    }
  });

  it("keeps its test split apart: no test message or sentence appears in training", () => {
    const trainTexts = new Set(train.map((r) => norm(r.text)));
    const trainSentences = new Set(train.flatMap((r) => sentencesOf(r.text)));
    expect(test.filter((r) => trainTexts.has(norm(r.text))).map((r) => r.id)).toEqual([]);
    const shared = test.flatMap((r) => sentencesOf(r.text).filter((s) => trainSentences.has(s)));
    // Stock phrases ("let me know if you have any questions") may coincide; real content must not.
    expect(shared.filter((s) => s.split(" ").length >= SUBSTANTIVE)).toEqual([]);
  });

  it("shares no sentence with the generator's text pool (the backtest must not measure memorisation)", () => {
    const corpusSentences = new Set([...train, ...test].flatMap((r) => sentencesOf(r.text)));
    const pool = (["en", "ru"] as const).flatMap((l) => Object.values(TEXT_POOL[l]).flat());
    expect(pool.length).toBeGreaterThan(400);
    const shared = pool.flatMap((t) => sentencesOf(t).filter((s) => corpusSentences.has(s)));
    expect(shared.filter((s) => s.split(" ").length >= SUBSTANTIVE)).toEqual([]);
  });
});
