import { describe, expect, it } from "vitest";
import { chatwootThrottle } from "./sync.ts";

const res = (status: number, headers: Record<string, string> = {}) => ({ status, text: "Retry later\n", headers: { get: (n: string) => headers[n.toLowerCase()] ?? null } });

describe("Chatwoot's throttle (Rack::Attack: 429 without Retry-After, fixed one-minute windows)", () => {
  it("waits for the next window instead of spending retries in the refused one", () => {
    const now = Date.UTC(2026, 11, 2, 10, 0, 45);
    expect(chatwootThrottle(res(429), now)).toEqual({ kind: "rate_limited", waitMs: 15_250 });
  });
  it("leaves other answers, and a 429 that says when, to the shared client", () => {
    expect(chatwootThrottle(res(503))).toBeNull();
    expect(chatwootThrottle(res(429, { "retry-after": "3" }))).toBeNull();
  });
});
