import { createContext, useContext, useEffect, useMemo, useState, type ReactNode } from "react";
import {
  DEFAULT_CURRENCY, DEFAULT_LOCALE, DEFAULT_TIME_ZONE, formatCalendarDate, formatDate, formatDateTime, formatDuration, formatEvery, formatMinutes, formatMoney,
  formatNumber, formatRelative, formatTime, safeTimeZone, type MoneyOptions,
} from "./format.ts";

// The reader's locale settings for every component: the signed-in user's time zone, the workspace
// currency, the language, and "now". The root loader (app/root.tsx) reads them on the server, so the
// server and the first client render produce the same text (no flash, no hydration mismatch); after
// hydration "now" moves to the browser's clock and ticks every minute, which refreshes relative times.

export type LocaleSettings = {
  timeZone: string;
  currency: string;
  locale: string;
  /** ISO timestamp: the loader's clock on the server and during hydration, the browser's afterwards. */
  now: string;
};

// Outside a provider there is no shared "now": relative times read "—" rather than differ between
// the server and the browser.
const FALLBACK: LocaleSettings = { timeZone: DEFAULT_TIME_ZONE, currency: DEFAULT_CURRENCY, locale: DEFAULT_LOCALE, now: "" };

const LocaleContext = createContext<LocaleSettings | null>(null);

const TICK_MS = 60_000;

/** Provides the settings; `value.now` comes from the loader and is replaced by the browser clock after hydration. */
export function LocaleProvider({ value, children }: { value: Omit<LocaleSettings, "locale"> & { locale?: string }; children: ReactNode }) {
  const [clientNow, setClientNow] = useState<string | null>(null);
  useEffect(() => {
    setClientNow(new Date().toISOString());
    const t = setInterval(() => setClientNow(new Date().toISOString()), TICK_MS);
    return () => clearInterval(t);
  }, []);
  const settings = useMemo<LocaleSettings>(() => ({
    timeZone: safeTimeZone(value.timeZone),
    currency: value.currency || DEFAULT_CURRENCY,
    locale: value.locale ?? DEFAULT_LOCALE,
    now: clientNow ?? value.now,
  }), [value.timeZone, value.currency, value.locale, value.now, clientNow]);
  return <LocaleContext.Provider value={settings}>{children}</LocaleContext.Provider>;
}

/** The raw settings (UTC / USD / en outside a provider, e.g. on the root error page). */
export function useLocaleSettings(): LocaleSettings {
  return useContext(LocaleContext) ?? FALLBACK;
}

export type BoundFormat = ReturnType<typeof bindFormat>;

/** Formatters bound to one reader's settings; also usable outside React (tests, loaders). */
export function bindFormat(s: LocaleSettings) {
  const { timeZone, currency, locale, now } = s;
  return {
    timeZone, currency, locale, now,
    /** "3 h 20 min" from milliseconds. */
    duration: (ms: number | null | undefined) => formatDuration(ms, locale),
    /** "1 d 22 h" from minutes. */
    minutes: (minutes: number | null | undefined) => formatMinutes(minutes, locale),
    /** "every 15 min" from seconds. */
    every: (seconds: number) => formatEvery(seconds, locale),
    /** "$120,000" in the workspace currency (or `options.currency`); compact: "$120K". */
    money: (amount: number | string | null | undefined, options: MoneyOptions & { currency?: string } = {}) =>
      formatMoney(amount, options.currency ?? currency, { locale, ...options }),
    number: (value: number | null | undefined, maximumFractionDigits = 0) => formatNumber(value, locale, maximumFractionDigits),
    /** "2 Dec 2026" in the reader's zone. */
    date: (value: string | number | Date | null | undefined) => formatDate(value, timeZone, locale),
    /** "2 Dec, 14:05" in the reader's zone (the year shows when it is not this year). */
    dateTime: (value: string | number | Date | null | undefined) => formatDateTime(value, timeZone, locale, now),
    /** "14:05" in the reader's zone. */
    time: (value: string | number | Date | null | undefined) => formatTime(value, timeZone, locale),
    /** "3 h ago" / "in 2 d", against now. */
    relative: (value: string | number | Date | null | undefined) => formatRelative(value, now, locale),
    /** A stored calendar date (a due date), never shifted by the zone: "2 Dec 2026". */
    calendarDate: (value: string | Date | null | undefined) => formatCalendarDate(value, locale),
  };
}

/** Bound formatters for the signed-in reader: `const f = useFormat(); f.dateTime(run.startedAt)`. */
export function useFormat(): BoundFormat {
  const s = useLocaleSettings();
  return useMemo(() => bindFormat(s), [s]);
}
