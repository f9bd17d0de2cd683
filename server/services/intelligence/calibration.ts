// Turning a rule score into a probability that means what it says: a calibrator fitted on outcomes
// (what was forecast, what then happened). Platt scaling — a logistic curve over the logit of the raw
// probability — pulled towards a prior curve while few outcomes are known; isotonic regression
// (pool-adjacent-violators) as the non-parametric alternative. Which one serves is chosen by
// measurement (npm run backtest).

const EPS = 1e-4;
const clampP = (p: number) => Math.min(1 - EPS, Math.max(EPS, p));
const logit = (p: number) => Math.log(clampP(p) / (1 - clampP(p)));
const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));

/** p' = sigmoid(a · logit(p) + b); the identity is a = 1, b = 0. */
export type PlattCurve = { a: number; b: number };
export type PlattFit = PlattCurve & { n: number; positives: number };
export const IDENTITY: PlattCurve = { a: 1, b: 0 };

export const applyPlatt = (c: PlattCurve, p: number) => sigmoid(c.a * logit(p) + c.b);

/**
 * Maximum a-posteriori Platt fit: log-likelihood of the outcomes plus a Gaussian pull towards `prior`
 * worth `priorWeight` outcomes — with few outcomes the prior dominates, with many the data does.
 * Newton's method on two parameters; deterministic.
 */
export function fitPlatt(p: number[], y: boolean[], prior: PlattCurve = IDENTITY, priorWeight = 20): PlattFit {
  const x = p.map(logit);
  let a = prior.a, b = prior.b;
  const lambda = priorWeight / 10; // per parameter, on the scale of a unit-variance logit
  for (let iter = 0; iter < 50; iter++) {
    let ga = lambda * (a - prior.a), gb = lambda * (b - prior.b);
    let haa = lambda, hab = 0, hbb = lambda;
    x.forEach((xi, i) => {
      const q = sigmoid(a * xi + b);
      const r = q - (y[i] ? 1 : 0);
      const w = q * (1 - q);
      ga += r * xi; gb += r;
      haa += w * xi * xi; hab += w * xi; hbb += w;
    });
    const det = haa * hbb - hab * hab;
    if (!(det > 1e-12)) break;
    const da = (hbb * ga - hab * gb) / det;
    const db = (haa * gb - hab * ga) / det;
    a -= da; b -= db;
    if (Math.abs(da) + Math.abs(db) < 1e-9) break;
  }
  return { a, b, n: p.length, positives: y.filter(Boolean).length };
}

/** A step function: predictions at or above `x[i]` (and below `x[i + 1]`) get `y[i]`. */
export type IsotonicFit = { x: number[]; y: number[]; n: number };

/** Isotonic regression by pool-adjacent-violators: the best non-decreasing fit of outcome on score. */
export function fitIsotonic(p: number[], y: boolean[]): IsotonicFit {
  const order = p.map((v, i) => [v, y[i] ? 1 : 0] as const).sort((m, n) => m[0] - n[0]);
  const blocks: { x: number; sum: number; n: number }[] = [];
  for (const [v, o] of order) {
    blocks.push({ x: v, sum: o, n: 1 });
    while (blocks.length > 1 && blocks[blocks.length - 2]!.sum / blocks[blocks.length - 2]!.n > blocks[blocks.length - 1]!.sum / blocks[blocks.length - 1]!.n) {
      const last = blocks.pop()!;
      const prev = blocks[blocks.length - 1]!;
      prev.sum += last.sum;
      prev.n += last.n;
    }
  }
  return { x: blocks.map((b) => b.x), y: blocks.map((b) => b.sum / b.n), n: p.length };
}

export function applyIsotonic(f: IsotonicFit, p: number): number {
  if (!f.x.length) return p;
  let lo = 0, hi = f.x.length - 1, at = 0;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (f.x[mid]! <= p) { at = mid; lo = mid + 1; } else hi = mid - 1;
  }
  // Never promise certainty from a finite sample.
  return Math.min(1 - 0.01, Math.max(0.01, f.y[at]!));
}
