// How far a probability can be trusted: Brier skill against a baseline, expected calibration error
// and the reliability table behind it ("when we said 30–40 %, it happened N % of the time").

export const brier = (p: number[], y: boolean[]) => p.reduce((a, x, i) => a + (x - (y[i] ? 1 : 0)) ** 2, 0) / p.length;

/** 1 − Brier(ours) / Brier(baseline): > 0 is better than the baseline, 1 is perfect; NaN when the baseline is perfect. */
export function brierSkill(ours: number[], baseline: number[], y: boolean[]): number {
  const b = brier(baseline, y);
  return b === 0 ? NaN : 1 - brier(ours, y) / b;
}

export type ReliabilityRow = { from: number; to: number; n: number; meanPredicted: number; observed: number };

/** Predictions in `bins` equal-width buckets of probability: how many, what was said on average, what happened. */
export function reliability(p: number[], y: boolean[], bins = 10): ReliabilityRow[] {
  const rows: ReliabilityRow[] = Array.from({ length: bins }, (_, i) => ({ from: i / bins, to: (i + 1) / bins, n: 0, meanPredicted: 0, observed: 0 }));
  p.forEach((x, i) => {
    const row = rows[Math.min(bins - 1, Math.max(0, Math.floor(x * bins)))]!;
    row.n++;
    row.meanPredicted += x;
    row.observed += y[i] ? 1 : 0;
  });
  for (const r of rows) if (r.n) { r.meanPredicted /= r.n; r.observed /= r.n; }
  return rows;
}

/** Expected calibration error: the gap between said and happened per bucket, weighted by the bucket's share. */
export function expectedCalibrationError(p: number[], y: boolean[], bins = 10): number {
  return reliability(p, y, bins).reduce((a, r) => a + (r.n / p.length) * Math.abs(r.meanPredicted - r.observed), 0);
}
