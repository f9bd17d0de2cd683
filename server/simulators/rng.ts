/** mulberry32: small, fast, deterministic. Same seed → same workspace, everywhere. */
export function createRng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const rng = {
    next,
    int: (min: number, max: number) => min + Math.floor(next() * (max - min + 1)),
    chance: (p: number) => next() < p,
    pick: <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!,
    uuid: () => {
      const h = () => Math.floor(next() * 0x10000).toString(16).padStart(4, "0");
      return `${h()}${h()}-${h()}-4${h().slice(1)}-${((8 + Math.floor(next() * 4)).toString(16))}${h().slice(1)}-${h()}${h()}${h()}`;
    },
  };
  return rng;
}
export type Rng = ReturnType<typeof createRng>;

/** A stable 32-bit seed from parts (workspace seed + project index, ...). */
export function seedOf(...parts: (string | number)[]): number {
  let h = 2166136261;
  for (const ch of parts.join("|")) {
    h ^= ch.charCodeAt(0);
    h = Math.imul(h, 16777619);
  }
  return h >>> 0;
}
