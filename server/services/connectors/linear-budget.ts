import type { HttpClientOptions, RawResponse } from "./http-client.ts";
import type { BoundSource } from "./types.ts";

// Linear limits each API key by two leaky buckets, refilled continuously at LIMIT per hour: requests
// (5,000/h) and complexity points (3,000,000/h), and tells where they stand on every answer:
// X-RateLimit-Requests-{Limit,Remaining,Reset}, X-Complexity (this query's cost) and
// X-RateLimit-Complexity-{Limit,Remaining,Reset}, resets in UTC epoch milliseconds. Over a limit it
// answers HTTP 400 with errors[].extensions.code "RATELIMITED" — not 429, so the generic client would
// take it for a permanent client error. This module reads those headers into a per-key budget that the
// sync consults before each page (stop at a page boundary rather than run into the limit) and that
// pauses the client when the budget is nearly spent.

const HOUR = 3600_000;
/** Share of each budget left to other users of the key (the UI, task creation): the sync stops above it. */
export const SYNC_RESERVE = 0.05;
/** The client itself only pauses when even this much is no longer left (someone else drained the key). */
const CLIENT_RESERVE = 0.01;
/** Longest rate-limit wait worth sleeping through inside a request; longer ones end the run instead. */
export const MAX_INLINE_WAIT_MS = 30_000;

type Dimension = { limit: number; remaining: number; resetInMs: number | null };

const num = (res: RawResponse, name: string) => {
  const v = res.headers.get(name);
  if (v === null || v.trim() === "") return null;
  const n = Number(v);
  return Number.isFinite(n) ? n : null;
};

export class LinearBudget {
  requests: Dimension | null = null;
  complexity: Dimension | null = null;
  /** Cost of the last query (X-Complexity): the estimate for the next one when nothing better is known. */
  lastComplexity = 0;
  observed = 0;

  /** Reads the budget headers of one answer. Reset times are read against the answer's own Date header, so a skewed local clock does not stretch or shrink waits. */
  observe(res: RawResponse) {
    const date = Date.parse(res.headers.get("date") ?? "");
    const serverNow = Number.isNaN(date) ? Date.now() : date;
    const dim = (kind: "requests" | "complexity"): Dimension | null => {
      const limit = num(res, `x-ratelimit-${kind}-limit`);
      const remaining = num(res, `x-ratelimit-${kind}-remaining`);
      if (limit === null || remaining === null || limit <= 0) return null;
      const reset = num(res, `x-ratelimit-${kind}-reset`);
      return { limit, remaining, resetInMs: reset === null ? null : Math.max(0, reset - serverNow) };
    };
    this.requests = dim("requests") ?? this.requests;
    this.complexity = dim("complexity") ?? this.complexity;
    this.lastComplexity = num(res, "x-complexity") ?? this.lastComplexity;
    this.observed++;
  }

  /**
   * Milliseconds until `requests` more requests costing `points` in all fit while `reserve` of each
   * budget stays untouched; 0 when they fit now (or nothing is known yet: the first answer tells).
   * Leaky buckets refill at limit/hour, so the wait is the deficit's refill time — never past the reset.
   */
  waitFor(points: number, requests = 1, reserve = SYNC_RESERVE): number {
    let wait = 0;
    for (const [d, need] of [[this.requests, requests], [this.complexity, points]] as const) {
      if (!d) continue;
      const floor = need + d.limit * reserve;
      if (d.remaining >= floor) continue;
      const refill = ((floor - d.remaining) * HOUR) / d.limit;
      wait = Math.max(wait, d.resetInMs !== null ? Math.min(refill, d.resetInMs) : refill);
    }
    return Math.ceil(wait);
  }

  /**
   * When a run that stopped for the budget should resume: once a quarter of each hourly budget is back
   * (at least `points`), so a follow-up run does real work instead of one page per wake-up.
   */
  resumeAfterMs(points: number): number {
    const cx = Math.max(points, 0.25 * (this.complexity?.limit ?? 0));
    const rq = Math.max(1, Math.floor(0.25 * (this.requests?.limit ?? 0)));
    return Math.max(1_000, this.waitFor(cx, rq));
  }

  /** Until the reset of every budget that is spent (answer to a RATELIMITED request). */
  resetWaitMs(): number | null {
    const spent = [this.requests, this.complexity].filter((d): d is Dimension => !!d && d.remaining < Math.max(1, this.lastComplexity) && d.resetInMs !== null);
    const all = spent.length ? spent : [this.requests, this.complexity].filter((d): d is Dimension => !!d && d.resetInMs !== null);
    return all.length ? Math.max(...all.map((d) => d.resetInMs!)) : null;
  }
}

/** Linear's error body carries the reason: RATELIMITED is a rate limit whatever the HTTP status. */
export function isRateLimited(res: RawResponse): boolean {
  if (!res.text.includes("RATELIMITED")) return false;
  try {
    const body = JSON.parse(res.text) as { errors?: { extensions?: { code?: string } }[] };
    return !!body.errors?.some((e) => e.extensions?.code === "RATELIMITED");
  } catch {
    return false;
  }
}

// The budget of each client's key, for the sync that runs on that client (the same BoundSource object
// goes to httpOptionsFor and to the runner).
const budgets = new WeakMap<BoundSource, LinearBudget>();
export const linearBudgetOf = (source: BoundSource): LinearBudget | undefined => budgets.get(source);

/** observe + classify for a Linear client: the budget follows every answer, RATELIMITED is a rate limit. */
export function linearHttpHooks(source: BoundSource): Pick<HttpClientOptions, "observe" | "classify"> {
  const budget = new LinearBudget();
  budgets.set(source, budget);
  return {
    observe(res, client) {
      budget.observe(res);
      // Slow down before the limit: the next query (about as costly as the last) must still fit.
      const wait = budget.waitFor(Math.max(1, budget.lastComplexity), 1, CLIENT_RESERVE);
      if (wait > 0) client.pauseUntil(Date.now() + wait);
    },
    classify(res) {
      if (!isRateLimited(res)) return null;
      const waitMs = Math.max(1_000, budget.resetWaitMs() ?? 1_000);
      // A wait of minutes is not slept through inside a request: the run ends at its page boundary and
      // resumes later (the sync turns budget_exhausted into an incomplete run).
      return waitMs <= MAX_INLINE_WAIT_MS ? { kind: "rate_limited", waitMs } : { kind: "budget_exhausted", waitMs };
    },
  };
}
