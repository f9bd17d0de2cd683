import fs from "node:fs";
import path from "node:path";
import { z } from "zod";
import { LABELS } from "./types.ts";

// The labelled corpus in the repository: train*.jsonl (what the local engine learns from) and
// test.jsonl (never used for training or tuning; only `npm run eval:messages` reads it). Each file
// was written by a different author, without reading the product's rules or the other files.

export const CORPUS_DIR = path.resolve(import.meta.dirname, "corpus");

export const corpusRow = z.object({
  id: z.string(),
  from: z.enum(["client", "team"]),
  language: z.enum(["en", "ru", "mixed"]),
  style: z.string(),
  text: z.string(),
  labels: z.array(z.enum(LABELS)),
  spans: z.record(z.string(), z.string()).default({}),
  tone: z.number().min(-1).max(1),
});
export type CorpusRow = z.infer<typeof corpusRow>;

/** The split's rows: test.jsonl, or every train*.jsonl (the first set and the extra ones written later). */
export function readCorpus(split: "train" | "test", dir = CORPUS_DIR): CorpusRow[] {
  const files = fs.readdirSync(dir).filter((f) => (split === "test" ? f === "test.jsonl" : /^train[\w-]*\.jsonl$/.test(f))).sort();
  return files.flatMap((f) => fs.readFileSync(path.join(dir, f), "utf8").split("\n").filter((l) => l.trim()).map((l) => corpusRow.parse(JSON.parse(l))));
}
