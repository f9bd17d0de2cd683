import { DIMENSIONS, type SparseVector } from "./features.ts";

// A small, deterministic linear learner over hashed sparse features: logistic regression for a label
// (probability it applies) and least squares for tone. AdaGrad steps, L2 regularisation, a fixed
// number of epochs over a seeded shuffle — the same corpus always gives the same weights.

export type Example = { x: SparseVector; y: number; weight?: number };
export type TrainOptions = { epochs: number; rate: number; l2: number; seed: number; loss: "logistic" | "squared"; positiveWeight?: number };

export class LinearModel {
  constructor(readonly w: Float32Array = new Float32Array(DIMENSIONS)) {}

  raw(x: SparseVector): number {
    let s = 0;
    for (let i = 0; i < x.idx.length; i++) s += this.w[x.idx[i]!]! * x.val[i]!;
    return s;
  }

  probability(x: SparseVector): number {
    return 1 / (1 + Math.exp(-this.raw(x)));
  }

  /** Nonzero weights as [index, value] pairs (what a stored model keeps). */
  toSparse(): [number, number][] {
    const out: [number, number][] = [];
    for (let i = 0; i < this.w.length; i++) if (this.w[i] !== 0) out.push([i, Math.round(this.w[i]! * 1e6) / 1e6]);
    return out;
  }

  static fromSparse(pairs: [number, number][]): LinearModel {
    const m = new LinearModel();
    for (const [i, v] of pairs) m.w[i] = v;
    return m;
  }
}

function shuffled<T>(items: T[], seed: number): T[] {
  const out = [...items];
  let s = seed >>> 0 || 1;
  for (let i = out.length - 1; i > 0; i--) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    const j = (s >>> 0) % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

export function train(examples: Example[], opts: TrainOptions): LinearModel {
  const model = new LinearModel();
  const g2 = new Float32Array(DIMENSIONS);
  for (let epoch = 0; epoch < opts.epochs; epoch++) {
    for (const ex of shuffled(examples, opts.seed + epoch * 7919)) {
      const z = model.raw(ex.x);
      const pred = opts.loss === "logistic" ? 1 / (1 + Math.exp(-z)) : z;
      const weight = (ex.weight ?? 1) * (opts.loss === "logistic" && ex.y === 1 ? opts.positiveWeight ?? 1 : 1);
      const err = (pred - ex.y) * weight;
      const { idx, val } = ex.x;
      const w = model.w;
      for (let i = 0; i < idx.length; i++) {
        const k = idx[i]!;
        const grad = err * val[i]! + opts.l2 * w[k]!;
        g2[k] = g2[k]! + grad * grad;
        w[k] = w[k]! - (opts.rate * grad) / (Math.sqrt(g2[k]!) + 1e-8);
      }
    }
  }
  return model;
}
