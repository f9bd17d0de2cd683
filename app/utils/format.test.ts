import { describe, expect, it } from "vitest";
import {
  describeTimeZone, formatCalendarDate, formatDate, formatDateTime, formatDuration, formatEvery, formatMinutes, formatMoney, formatNumber,
  formatRelative, formatTime, isValidTimeZone, safeTimeZone,
} from "./format.ts";

const NOW = new Date("2026-12-02T12:05:00Z");
const ago = (ms: number) => new Date(NOW.getTime() - ms);
const H = 3_600_000;
const D = 24 * H;

describe("formatDuration / formatMinutes / formatEvery", () => {
  it.each([
    [0, "0 ms"], [120, "120 ms"], [999, "999 ms"], [1_000, "1 s"], [4_560, "4.5 s"], [45_000, "45 s"], [59_999, "59 s"],
    [60_000, "1 min"], [725_000, "12 min 5 s"], [3 * H, "3 h"], [3 * H + 20 * 60_000 + 59_000, "3 h 20 min"], [2 * D + 3 * H + 5_000, "2 d 3 h"], [9 * D, "9 d"],
    [-1_500, "-1.5 s"],
  ])("%d ms → %s", (ms, text) => expect(formatDuration(ms)).toBe(text));

  it("says — for nothing", () => {
    expect(formatDuration(null)).toBe("—");
    expect(formatDuration(undefined)).toBe("—");
    expect(formatDuration(Number.NaN)).toBe("—");
    expect(formatMinutes(null)).toBe("—");
  });

  it("reads minutes (what the walk-through showed as 2763.5 min)", () => {
    expect(formatMinutes(2763.5)).toBe("1 d 22 h");
    expect(formatMinutes(200)).toBe("3 h 20 min");
    expect(formatMinutes(0.75)).toBe("45 s");
  });

  it("groups large counts by the locale", () => {
    expect(formatDuration(1500 * D)).toBe("1,500 d");
    expect(formatNumber(12345)).toBe("12,345");
  });

  it("describes cadences", () => {
    expect(formatEvery(300)).toBe("every 5 min");
    expect(formatEvery(6 * 3600)).toBe("every 6 h");
    expect(formatEvery(7 * 86_400)).toBe("every week");
    expect(formatEvery(86_400)).toBe("every day");
    expect(formatEvery(3600)).toBe("every hour");
    expect(formatEvery(2 * 86_400)).toBe("every 2 d");
    expect(formatEvery(5400)).toBe("every 1 h 30 min");
  });
});

describe("formatMoney", () => {
  it("shows the currency", () => {
    expect(formatMoney(120_000, "USD")).toBe("$120,000");
    expect(formatMoney(120_000.4, "EUR")).toBe("€120,000");
    expect(formatMoney("1234.5", "GBP")).toBe("£1,235");
    expect(formatMoney(1234.5, "GBP", { maximumFractionDigits: 2 })).toBe("£1,234.5");
    expect(formatMoney(90, "CHF")).toMatch(/^CHF\s90$/);
  });
  it("has a compact form", () => {
    expect(formatMoney(12_500, "EUR", { compact: true })).toBe("€12.5K");
    expect(formatMoney(2_400_000, "USD", { compact: true })).toBe("$2.4M");
  });
  it("defaults to USD and says — for nothing", () => {
    expect(formatMoney(5)).toBe("$5");
    expect(formatMoney(null, "USD")).toBe("—");
    expect(formatMoney("", "USD")).toBe("—");
    expect(formatMoney("abc", "USD")).toBe("—");
  });
  it("still shows the amount for a code Intl refuses", () => {
    expect(formatMoney(1200, "nope")).toBe("1,200 nope");
  });
});

describe("dates and times in a zone", () => {
  it("formats a moment in the given zone", () => {
    expect(formatDateTime(NOW, "UTC")).toBe("2 Dec 2026, 12:05");
    expect(formatDateTime(NOW, "Asia/Tokyo")).toBe("2 Dec 2026, 21:05");
    expect(formatDateTime("2026-12-02T12:05:00.000Z", "America/New_York")).toBe("2 Dec 2026, 07:05");
    expect(formatTime(NOW, "Europe/Berlin")).toBe("13:05");
  });
  it("crosses midnight by zone", () => {
    expect(formatDate("2026-12-02T23:30:00Z", "UTC")).toBe("2 Dec 2026");
    expect(formatDate("2026-12-02T23:30:00Z", "Asia/Tokyo")).toBe("3 Dec 2026");
    expect(formatDate("2026-12-02T03:30:00Z", "America/Los_Angeles")).toBe("1 Dec 2026");
  });
  it("leaves the year out when it is now's year in that zone", () => {
    expect(formatDateTime(ago(3 * H), "UTC", "en", NOW)).toBe("2 Dec, 09:05");
    expect(formatDateTime("2025-06-01T10:00:00Z", "UTC", "en", NOW)).toBe("1 Jun 2025, 10:00");
    // 31 Dec 20:00 UTC is already 1 Jan in Tokyo: a different year there.
    expect(formatDateTime("2026-12-31T20:00:00Z", "Asia/Tokyo", "en", NOW)).toBe("1 Jan 2027, 05:00");
  });
  it("falls back to UTC for an unknown zone and says — for nothing", () => {
    expect(formatDateTime(NOW, "Mars/Olympus")).toBe("2 Dec 2026, 12:05");
    expect(formatDateTime(null, "UTC")).toBe("—");
    expect(formatDate("not a date", "UTC")).toBe("—");
  });
  it("keeps calendar dates as stored", () => {
    expect(formatCalendarDate("2026-12-02T00:00:00.000Z")).toBe("2 Dec 2026");
  });
  it("validates zones", () => {
    expect(isValidTimeZone("Asia/Tokyo")).toBe(true);
    expect(isValidTimeZone("UTC")).toBe(true);
    expect(isValidTimeZone("Mars/Olympus")).toBe(false);
    expect(isValidTimeZone("")).toBe(false);
    expect(isValidTimeZone(42)).toBe(false);
    expect(safeTimeZone(null)).toBe("UTC");
    expect(safeTimeZone("Europe/Paris")).toBe("Europe/Paris");
    expect(describeTimeZone("Asia/Tokyo", NOW)).toBe("Asia/Tokyo (GMT+9)");
  });
});

describe("formatRelative", () => {
  it.each([
    [ago(10_000), "just now"], [ago(50_000), "50 s ago"], [ago(5 * 60_000), "5 min ago"], [ago(3 * H), "3 h ago"], [ago(3 * H + 59 * 60_000), "3 h ago"],
    [ago(-2 * D), "in 2 d"], [ago(-2 * D - 5 * H), "in 2 d"], [ago(10 * D), "10 d ago"], [ago(20 * D), "2 w ago"], [ago(90 * D), "3 mo ago"], [ago(800 * D), "2 y ago"],
  ])("%s → %s", (value, text) => expect(formatRelative(value, NOW)).toBe(text));

  it("accepts ISO strings and says — for nothing", () => {
    expect(formatRelative("2026-12-02T09:05:00Z", "2026-12-02T12:05:00Z")).toBe("3 h ago");
    expect(formatRelative(null, NOW)).toBe("—");
  });

  it("passes other locales to Intl.RelativeTimeFormat", () => {
    expect(formatRelative(ago(-2 * D), NOW, "de")).toBe(new Intl.RelativeTimeFormat("de", { style: "narrow" }).format(2, "day"));
  });
});
