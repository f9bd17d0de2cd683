import { createHash } from "node:crypto";

// The embedder used when no OpenAI key is configured: hashed character trigrams folded into the
// column's dimension and L2-normalised. Deterministic, offline, and good enough to find messages that
// share words; search results say which model produced them.

export const LOCAL_EMBEDDING_MODEL = "local-trigram-v1";

export function localEmbedding(text: string, dim: number): number[] {
  const v = new Array<number>(dim).fill(0);
  const t = ` ${text.toLowerCase().replace(/\s+/g, " ")} `;
  for (let i = 0; i + 3 <= t.length; i++) {
    const h = createHash("md5").update(t.slice(i, i + 3)).digest();
    v[h.readUInt32LE(0) % dim]! += h[4]! & 1 ? 1 : -1;
  }
  const norm = Math.sqrt(v.reduce((a, x) => a + x * x, 0)) || 1;
  return v.map((x) => Math.round((x / norm) * 1e6) / 1e6);
}
