// Calendar days are UTC days everywhere in the product (snapshots, digests, due dates), so a result
// never depends on the time zone of the process or of the database session.

export const DAY_MS = 86_400_000;

/** Midnight UTC of the day `d` falls in. */
export const utcDay = (d: Date): Date => new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()));

/** The UTC calendar date of `d` as YYYY-MM-DD (what a `date` column is compared with). */
export const isoDay = (d: Date): string => d.toISOString().slice(0, 10);

/** The calendar date (YYYY-MM-DD) it is at `d` in an IANA time zone: "today" for a reader there. */
export const dayIn = (d: Date, timeZone = "UTC"): string => new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" }).format(d);
