/**
 * pgvector HNSW indexes (named *_hnsw) are created in migration SQL because Prisma's schema language
 * cannot express them; Prisma's diff therefore always proposes to drop them. That proposal is not drift.
 */
export function withoutHandManagedIndexes(sql: string): string {
  const kept = sql
    .split(/\n(?=-- )/)
    .filter((block) => !/^-- DropIndex\nDROP INDEX "[a-z0-9_]+_hnsw";\s*$/.test(block.trim()));
  const out = kept.join("\n").trim();
  return out === "" || /^-- DropIndex$/.test(out) ? "" : out;
}
