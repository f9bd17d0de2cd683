// Numbers, money, durations and times for people. Pure functions on Intl: the same input gives the
// same text on the server and in the browser, so pages render times in the reader's zone without a
// flash. Every function takes a `locale` (default "en"); a later issue adds Russian, which only needs
// entries in UNIT_LABELS and DATE_LOCALE below.
//
// In components prefer `useFormat()` (app/utils/format-context.tsx): it binds the signed-in user's
// time zone, the workspace currency and the page's "now".

export const DEFAULT_LOCALE = "en";
export const DEFAULT_TIME_ZONE = "UTC";
export const DEFAULT_CURRENCY = "USD";

type Unit = "ms" | "s" | "min" | "h" | "d";
type RelUnit = "second" | "minute" | "hour" | "day" | "week" | "month" | "year";

/** Short unit words per language ("3 h 20 min"); unknown languages fall back to English. */
const UNIT_LABELS: Record<string, Record<Unit, string>> = {
  en: { ms: "ms", s: "s", min: "min", h: "h", d: "d" },
};
/** Short unit words used by relative times ("3 h ago", "in 2 d"). */
const REL_LABELS: Record<string, Record<RelUnit, string>> = {
  en: { second: "s", minute: "min", hour: "h", day: "d", week: "w", month: "mo", year: "y" },
};
/** Date conventions: English dates read "2 Dec 2026, 14:05" (day first, 24-hour clock). */
const DATE_LOCALE: Record<string, string> = { en: "en-GB" };

const language = (locale: string) => locale.toLowerCase().split(/[-_]/)[0] ?? DEFAULT_LOCALE;
const unitLabels = (locale: string) => UNIT_LABELS[language(locale)] ?? UNIT_LABELS.en!;

// Intl constructors are slow (tens of µs); a page formats hundreds of values with a handful of options.
const cache = new Map<string, Intl.NumberFormat | Intl.DateTimeFormat | Intl.RelativeTimeFormat>();
function cached<T extends Intl.NumberFormat | Intl.DateTimeFormat | Intl.RelativeTimeFormat>(key: string, make: () => T): T {
  let f = cache.get(key) as T | undefined;
  if (!f) {
    f = make();
    if (cache.size > 2000) cache.clear();
    cache.set(key, f);
  }
  return f;
}

const numberFormat = (locale: string, maximumFractionDigits = 0) =>
  cached(`n|${locale}|${maximumFractionDigits}`, () => new Intl.NumberFormat(locale, { maximumFractionDigits }));

/** A plain number with grouping: 12345 → "12,345". */
export function formatNumber(value: number | null | undefined, locale = DEFAULT_LOCALE, maximumFractionDigits = 0): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return "—";
  return numberFormat(locale, maximumFractionDigits).format(value);
}

// ---------------------------------------------------------------------------------------------------
// Durations

const MS = { s: 1000, min: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/**
 * A duration in milliseconds, in at most two units: "120 ms", "4.5 s", "45 s", "12 min 5 s",
 * "3 h 20 min", "2 d 3 h". null/undefined → "—".
 */
export function formatDuration(ms: number | null | undefined, locale = DEFAULT_LOCALE): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return "—";
  const sign = ms < 0 ? "-" : "";
  const abs = Math.abs(ms);
  const u = unitLabels(locale);
  const n = (v: number, digits = 0) => numberFormat(locale, digits).format(v);
  if (abs < MS.s) return `${sign}${n(Math.round(abs))} ${u.ms}`;
  if (abs < 10 * MS.s) return `${sign}${n(Math.floor(abs / 100) / 10, 1)} ${u.s}`;
  if (abs < MS.min) return `${sign}${n(Math.floor(abs / MS.s))} ${u.s}`;
  const pair = (big: number, bigUnit: Unit, small: number, smallUnit: Unit) =>
    `${sign}${n(big)} ${u[bigUnit]}${small ? ` ${n(small)} ${u[smallUnit]}` : ""}`;
  if (abs < MS.h) {
    const s = Math.floor(abs / MS.s);
    return pair(Math.floor(s / 60), "min", s % 60, "s");
  }
  if (abs < MS.d) {
    const m = Math.floor(abs / MS.min);
    return pair(Math.floor(m / 60), "h", m % 60, "min");
  }
  const h = Math.floor(abs / MS.h);
  return pair(Math.floor(h / 24), "d", h % 24, "h");
}

/** A duration given in minutes (2763.5 → "1 d 22 h"). */
export function formatMinutes(minutes: number | null | undefined, locale = DEFAULT_LOCALE): string {
  if (minutes === null || minutes === undefined || !Number.isFinite(minutes)) return "—";
  return formatDuration(minutes * MS.min, locale);
}

const EVERY_ONE: Record<number, string> = { 60: "every minute", 3600: "every hour", 86_400: "every day", 604_800: "every week" };

/** A repeat interval in seconds: "every 15 min", "every 6 h", "every day", "every week", "every 2 d". */
export function formatEvery(seconds: number, locale = DEFAULT_LOCALE): string {
  if (language(locale) === "en" && EVERY_ONE[seconds]) return EVERY_ONE[seconds]!;
  return `every ${formatDuration(seconds * 1000, locale)}`;
}

// ---------------------------------------------------------------------------------------------------
// Money

/** ISO 4217 codes offered for a workspace's currency. */
export const COMMON_CURRENCIES = ["USD", "EUR", "GBP", "CHF", "CAD", "AUD", "NZD", "JPY", "CNY", "INR", "SGD", "HKD", "SEK", "NOK", "DKK", "PLN", "CZK", "ILS", "AED", "BRL", "MXN", "ZAR", "TRY", "RUB", "UAH", "KZT"] as const;

export type MoneyOptions = { locale?: string; compact?: boolean; maximumFractionDigits?: number };

/**
 * An amount with its currency: formatMoney(120000, "USD") → "$120,000"; compact: formatMoney(12500,
 * "EUR", { compact: true }) → "€12.5K". Whole units unless maximumFractionDigits says otherwise.
 * Accepts numeric strings (Prisma decimals arrive as strings); null/""/NaN → "—". An unknown
 * currency code still shows the amount, followed by the code.
 */
export function formatMoney(amount: number | string | null | undefined, currency = DEFAULT_CURRENCY, options: MoneyOptions = {}): string {
  if (amount === null || amount === undefined || amount === "") return "—";
  const value = typeof amount === "number" ? amount : Number(amount);
  if (!Number.isFinite(value)) return "—";
  const locale = options.locale ?? DEFAULT_LOCALE;
  const compact = options.compact ?? false;
  const digits = options.maximumFractionDigits ?? (compact ? 1 : 0);
  try {
    return cached(`m|${locale}|${currency}|${compact}|${digits}`, () => new Intl.NumberFormat(locale, {
      style: "currency", currency, notation: compact ? "compact" : "standard", maximumFractionDigits: digits,
      minimumFractionDigits: 0,
    })).format(value);
  } catch {
    return `${formatNumber(value, locale, digits)} ${currency}`;
  }
}

// ---------------------------------------------------------------------------------------------------
// Dates and times

const TZ_RE = /^[A-Za-z0-9_+\-/]{1,64}$/;

/** Whether Intl knows this IANA zone (e.g. "Europe/Berlin", "UTC"). */
export function isValidTimeZone(timeZone: unknown): timeZone is string {
  if (typeof timeZone !== "string" || !TZ_RE.test(timeZone)) return false;
  try {
    new Intl.DateTimeFormat("en", { timeZone });
    return true;
  } catch {
    return false;
  }
}

/** The zone itself when valid, else UTC: a bad stored value never breaks a page. */
export function safeTimeZone(timeZone: string | null | undefined): string {
  return timeZone && isValidTimeZone(timeZone) ? timeZone : DEFAULT_TIME_ZONE;
}

const toDate = (value: string | number | Date | null | undefined): Date | null => {
  if (value === null || value === undefined || value === "") return null;
  const d = value instanceof Date ? value : new Date(value);
  return Number.isNaN(d.getTime()) ? null : d;
};

const dateLocale = (locale: string) => DATE_LOCALE[language(locale)] ?? locale;

function dateTimeFormat(locale: string, timeZone: string, parts: "date" | "datetime" | "datetime-noyear" | "time" | "year") {
  const tz = safeTimeZone(timeZone);
  return cached(`d|${locale}|${tz}|${parts}`, () => new Intl.DateTimeFormat(dateLocale(locale), {
    timeZone: tz,
    ...(parts === "year" ? { year: "numeric" } : {}),
    ...(parts === "date" || parts === "datetime" ? { day: "numeric", month: "short", year: "numeric" } : {}),
    ...(parts === "datetime-noyear" ? { day: "numeric", month: "short" } : {}),
    ...(parts === "time" || parts.startsWith("datetime") ? { hour: "2-digit", minute: "2-digit", hourCycle: "h23" } : {}),
  }));
}

/** A moment's calendar date in a zone: "2 Dec 2026". */
export function formatDate(value: string | number | Date | null | undefined, timeZone = DEFAULT_TIME_ZONE, locale = DEFAULT_LOCALE): string {
  const d = toDate(value);
  return d ? dateTimeFormat(locale, timeZone, "date").format(d) : "—";
}

/**
 * A moment in a zone: "2 Dec 2026, 14:05". With `now`, the year is left out when it is the same as
 * now's year in that zone: "2 Dec, 14:05".
 */
export function formatDateTime(value: string | number | Date | null | undefined, timeZone = DEFAULT_TIME_ZONE, locale = DEFAULT_LOCALE, now?: string | number | Date): string {
  const d = toDate(value);
  if (!d) return "—";
  const n = toDate(now);
  const sameYear = n ? dateTimeFormat(locale, timeZone, "year").format(d) === dateTimeFormat(locale, timeZone, "year").format(n) : false;
  return dateTimeFormat(locale, timeZone, sameYear ? "datetime-noyear" : "datetime").format(d);
}

/** The time of day in a zone: "14:05". */
export function formatTime(value: string | number | Date | null | undefined, timeZone = DEFAULT_TIME_ZONE, locale = DEFAULT_LOCALE): string {
  const d = toDate(value);
  return d ? dateTimeFormat(locale, timeZone, "time").format(d) : "—";
}

/** The zone's name with its current offset, for settings: "Asia/Tokyo (GMT+9)". */
export function describeTimeZone(timeZone: string, at: Date = new Date(), locale = DEFAULT_LOCALE): string {
  const tz = safeTimeZone(timeZone);
  const offset = cached(`o|${locale}|${tz}`, () => new Intl.DateTimeFormat(dateLocale(locale), { timeZone: tz, timeZoneName: "shortOffset" }))
    .formatToParts(at).find((p) => p.type === "timeZoneName")?.value;
  return offset ? `${tz} (${offset})` : tz;
}

const REL_STEPS: [RelUnit, number][] = [
  ["year", 365 * MS.d], ["month", 30 * MS.d], ["week", 7 * MS.d], ["day", MS.d], ["hour", MS.h], ["minute", MS.min], ["second", MS.s],
];

/**
 * How long ago (or until) `value` is, seen from `now`: "3 h ago", "in 2 d", "just now". The unit is
 * the largest that fits (weeks from 14 days, months from 60 days, years from 365); the count is
 * truncated, never rounded up.
 */
export function formatRelative(value: string | number | Date | null | undefined, now: string | number | Date, locale = DEFAULT_LOCALE): string {
  const d = toDate(value);
  const n = toDate(now);
  if (!d || !n) return "—";
  const diff = d.getTime() - n.getTime();
  const abs = Math.abs(diff);
  const lang = language(locale);
  const rtf = cached(`r|${locale}`, () => new Intl.RelativeTimeFormat(locale, { style: "narrow", numeric: "always" }));
  if (abs < 45 * MS.s) {
    if (lang === "en") return "just now";
    return cached(`ra|${locale}`, () => new Intl.RelativeTimeFormat(locale, { numeric: "auto" })).format(0, "second");
  }
  const [unit, size] = REL_STEPS.find(([u, size]) => abs >= size * (u === "week" ? 2 : u === "month" ? 2 : 1)) ?? ["second", MS.s];
  const count = Math.floor(abs / size) * Math.sign(diff);
  const labels = REL_LABELS[lang];
  if (!labels) return rtf.format(count, unit);
  // Intl gives the words around the number ("in …", "… ago"); the unit abbreviation is ours ("3 h ago").
  return rtf.formatToParts(count, unit).map((p, i, all) => {
    if (p.type === "literal" && all[i - 1]?.type === "integer") return p.value.replace(/^\s*[^\s]+/, ` ${labels[unit]}`);
    return p.value;
  }).join("");
}

/** A calendar date (a due date) as it was stored: "2 Dec 2026", with no zone shift. */
export function formatCalendarDate(value: string | Date | null | undefined, locale = DEFAULT_LOCALE): string {
  return formatDate(value, "UTC", locale);
}
