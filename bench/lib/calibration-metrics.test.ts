import { describe, expect, it } from "vitest";
import { brierSkill, expectedCalibrationError, reliability } from "./calibration-metrics.ts";

describe("calibration metrics", () => {
  it("a calibrated forecaster has no calibration error; an overconfident one has", () => {
    // 10 forecasts of 0.3 of which 3 happen, 10 of 0.8 of which 8 happen.
    const p = [...Array(10).fill(0.3), ...Array(10).fill(0.8)];
    const y = [...Array(10).fill(false).map((_, i) => i < 3), ...Array(10).fill(false).map((_, i) => i < 8)];
    expect(expectedCalibrationError(p, y)).toBeCloseTo(0, 10);
    const over = p.map((x) => (x > 0.5 ? 1 : 0));
    expect(expectedCalibrationError(over, y)).toBeCloseTo((10 * 0.3 + 10 * 0.2) / 20, 10);
    const rows = reliability(p, y).filter((r) => r.n);
    expect(rows.map((r) => [r.from, r.n, r.observed])).toEqual([[0.3, 10, 0.3], [0.8, 10, 0.8]]);
  });
  it("Brier skill is positive only when better than the baseline", () => {
    const y = [true, false, true, false];
    expect(brierSkill([0.9, 0.1, 0.9, 0.1], [0.5, 0.5, 0.5, 0.5], y)).toBeCloseTo(1 - 0.01 / 0.25, 10);
    expect(brierSkill([0.5, 0.5, 0.5, 0.5], [0.9, 0.1, 0.9, 0.1], y)).toBeLessThan(0);
  });
});
