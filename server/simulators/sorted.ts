// Sorting tens of thousands of records on every page request made the simulators, not the clients,
// the bottleneck of big syncs. memoSorted keeps the last sort per (owner, key) and reuses it while a
// cheap content signature (count, sum of numeric sort keys, first/last id) is unchanged. Tests mutate
// records in place: a changed sort key changes the signature; other field changes show through the
// shared object references.

const caches = new WeakMap<object, Map<string, { sig: string; sorted: unknown[] }>>();

export function memoSorted<T>(owner: object, key: string, items: T[], sortKey: (t: T) => number, tieBreak: (t: T) => string): T[] {
  let sum = 0;
  for (const t of items) sum += sortKey(t);
  const sig = `${items.length}|${sum}|${items.length ? tieBreak(items[0]!) : ""}|${items.length ? tieBreak(items[items.length - 1]!) : ""}`;
  let cache = caches.get(owner);
  if (!cache) caches.set(owner, (cache = new Map()));
  const hit = cache.get(key);
  if (hit?.sig === sig) return hit.sorted as T[];
  const sorted = [...items].sort((a, b) => sortKey(a) - sortKey(b) || (tieBreak(a) < tieBreak(b) ? -1 : tieBreak(a) > tieBreak(b) ? 1 : 0));
  cache.set(key, { sig, sorted });
  return sorted;
}
