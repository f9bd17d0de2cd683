import { describe, expect, it } from "vitest";
import { applyIsotonic, applyPlatt, fitIsotonic, fitPlatt, IDENTITY } from "./calibration.ts";

// A forecaster that says 0.7 where the truth is 0.3 (overconfident) — what the backtest shows.
function overconfident(n: number) {
  const p: number[] = [], y: boolean[] = [];
  for (let i = 0; i < n; i++) {
    const flagged = i % 2 === 0;
    p.push(flagged ? 0.7 : 0.05);
    y.push(flagged ? i % 20 < 6 : i % 100 === 1); // 30 % of flagged, 2 % of the others happen
  }
  return { p, y };
}

describe("calibration", () => {
  it("Platt scaling brings an overconfident 70 % down to what happened, and keeps the order", () => {
    const { p, y } = overconfident(2000);
    const fit = fitPlatt(p, y, IDENTITY, 20);
    expect(applyPlatt(fit, 0.7)).toBeCloseTo(0.3, 1);
    expect(applyPlatt(fit, 0.05)).toBeCloseTo(0.02, 1);
    expect(applyPlatt(fit, 0.7)).toBeGreaterThan(applyPlatt(fit, 0.05));
  });
  it("with few outcomes the prior dominates; with none the prior is returned", () => {
    const { p, y } = overconfident(6);
    const few = fitPlatt(p, y, IDENTITY, 200);
    expect(applyPlatt(few, 0.7)).toBeGreaterThan(0.55);
    const none = fitPlatt([], [], { a: 0.8, b: -0.5 });
    expect(none.a).toBeCloseTo(0.8, 10);
    expect(none.b).toBeCloseTo(-0.5, 10);
  });
  it("isotonic regression is non-decreasing and matches the observed rate per block", () => {
    const { p, y } = overconfident(2000);
    const fit = fitIsotonic(p, y);
    for (let i = 1; i < fit.y.length; i++) expect(fit.y[i]!).toBeGreaterThanOrEqual(fit.y[i - 1]!);
    expect(applyIsotonic(fit, 0.7)).toBeCloseTo(0.3, 2);
    expect(applyIsotonic(fit, 0.05)).toBeCloseTo(0.02, 2);
  });
});
