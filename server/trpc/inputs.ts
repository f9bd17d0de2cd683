import { z } from "zod";

// Input domains every procedure shares: values are range-checked here, before they reach SQL, so
// a hostile value is a 400 with a message and never a database error.

const INT64_MAX = 9223372036854775807n;

/** A bigint row id as a decimal string, within PostgreSQL's bigint. */
export const rowIdString = (message = "must be a row id") =>
  z.string().regex(/^\d{1,19}$/, message).refine((s) => BigInt(s) <= INT64_MAX, message);

// PostgreSQL stores timestamps from 4713 BC, JavaScript from -271821; the product has no use for
// anything outside these years, and a date outside them is a typo or a probe.
const EARLIEST = Date.UTC(1900, 0, 1);
const LATEST = Date.UTC(9999, 11, 31, 23, 59, 59);

/** A date (ISO string, epoch ms or Date) the database can store. */
export const storableDate = z.coerce.date({ message: "must be a date" }).refine((d) => d.getTime() >= EARLIEST && d.getTime() <= LATEST, "must be a date between 1900 and 9999");

/** "<occurredAt ms>.<id>" of the last event seen. */
export const eventCursor = z.string().regex(/^\d{1,15}\.\d{1,19}$/, "cursor must be a nextCursor from a previous page").refine((s) => {
  const [ms, id] = s.split(".");
  return Number(ms) <= LATEST && BigInt(id!) <= INT64_MAX;
}, "cursor must be a nextCursor from a previous page");

/** The path of the first string (key or value) holding a NUL character, or null; PostgreSQL text cannot store NUL. */
export function nulPath(value: unknown, path = "input", depth = 0): string | null {
  if (depth > 20) return null;
  if (typeof value === "string") return value.includes("\u0000") ? path : null;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const p = nulPath(value[i], `${path}[${i}]`, depth + 1);
      if (p) return p;
    }
    return null;
  }
  if (value && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) {
      if (k.includes("\u0000")) return `${path}.<key>`;
      const p = nulPath(v, `${path}.${k}`, depth + 1);
      if (p) return p;
    }
  }
  return null;
}
