import type { z } from "zod";

// One HTTP client for every connector: per-request timeout, retries on 408/425/429/5xx, network
// errors, timeouts and truncated JSON, honouring Retry-After (seconds or an HTTP date), exponential
// backoff with jitter otherwise, a token-bucket rate limit per provider, and zod-validated responses.

export type ErrorKind = "rate_limited" | "server_error" | "timeout" | "network" | "malformed_response" | "unauthorized" | "client_error" | "schema_mismatch" | "not_configured" | "budget_exhausted";

export class ConnectorError extends Error {
  constructor(readonly kind: ErrorKind, message: string, readonly details: { status?: number; url?: string; attempts?: number } = {}) {
    super(message);
    this.name = "ConnectorError";
  }
  get retryable(): boolean {
    return ["rate_limited", "server_error", "timeout", "network", "malformed_response"].includes(this.kind);
  }
}

export type HttpClientOptions = {
  name: string;
  baseUrl: string;
  headers: Record<string, string>;
  timeoutMs?: number;
  maxRetries?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** Requests per second allowed to this provider (token bucket, burst = 2 × rate). */
  ratePerSecond?: number;
  /** Bucket size when not 2 × rate (a test on a sped-up clock keeps the real burst while raising the rate). */
  burst?: number;
  /**
   * Requests one run may send (retries included). When spent, the next request throws
   * `budget_exhausted` without reaching the provider; syncs catch it at a page boundary, keep their
   * place in the cursor and finish the rest on the next run.
   */
  requestBudget?: number;
  /** Shortest wait after a Retry-After (a date in the same second must not mean "retry now"). */
  retryAfterFloorMs?: number;
  /** A provider's own reading of a failed response (Linear: HTTP 400 with code RATELIMITED is a rate limit). */
  classify?: (res: RawResponse) => { kind: ErrorKind; waitMs: number | null } | null;
  /** Sees every response (a provider's rate-limit headers can slow the client down: `pauseUntil`). */
  observe?: (res: RawResponse, client: { pauseUntil(epochMs: number): void }) => void;
  sleep?: (ms: number) => Promise<void>;
  /** How one attempt reaches the provider: plain fetch by default, an MCP tool call in mcp mode. */
  transport?: Transport;
};

export type RawResponse = { status: number; text: string; headers: { get(name: string): string | null } };
export type TransportRequest = { method: string; url: URL; body: unknown; headers: Record<string, string>; timeoutMs: number; name: string };
export type Transport = (req: TransportRequest) => Promise<RawResponse>;

/** The default transport: one fetch with a hard per-request timeout. */
export const fetchTransport: Transport = async ({ method, url, body, headers, timeoutMs, name }) => {
  try {
    const res = await fetch(url, {
      method,
      headers: { accept: "application/json", ...(body !== undefined ? { "content-type": "application/json" } : {}), ...headers },
      body: body !== undefined ? JSON.stringify(body) : undefined,
      signal: AbortSignal.timeout(timeoutMs),
    });
    return { status: res.status, text: await res.text(), headers: res.headers };
  } catch (e) {
    const err = e as Error;
    if (err.name === "TimeoutError" || err.name === "AbortError") throw new ConnectorError("timeout", `${name}: no answer within ${timeoutMs} ms (${method} ${url})`, { url: url.toString() });
    throw new ConnectorError("network", `${name}: ${err.message} (${method} ${url})`, { url: url.toString() });
  }
};

export type HttpStats = { requests: number; retries: number; rateLimited: number };

const RETRY_STATUS = new Set([408, 425, 429]);
const defaultSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Retry-After as seconds or an HTTP date, never shorter than `floorMs`; null when absent or unreadable. */
export function parseRetryAfter(value: string | null, now = Date.now(), floorMs = 1_000): number | null {
  if (!value) return null;
  if (/^\d+(\.\d+)?$/.test(value.trim())) return Math.max(floorMs, Math.round(Number(value) * 1000));
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.max(floorMs, at - now);
}

export function createHttpClient(opts: HttpClientOptions) {
  const timeoutMs = opts.timeoutMs ?? 20_000;
  const maxRetries = opts.maxRetries ?? 5;
  const baseDelayMs = opts.baseDelayMs ?? 250;
  const maxDelayMs = opts.maxDelayMs ?? 30_000;
  const sleep = opts.sleep ?? defaultSleep;
  const stats: HttpStats = { requests: 0, retries: 0, rateLimited: 0 };
  const rate = opts.ratePerSecond ?? 20;
  const floorMs = opts.retryAfterFloorMs ?? 1_000;
  const burst = opts.burst ?? rate * 2;
  let tokens = burst;
  let refilledAt = Date.now();
  let pausedUntil = 0;
  const control = { pauseUntil(epochMs: number) { pausedUntil = Math.max(pausedUntil, epochMs); } };

  async function takeToken() {
    if (pausedUntil > Date.now()) await sleep(pausedUntil - Date.now());
    for (;;) {
      const now = Date.now();
      tokens = Math.min(burst, tokens + ((now - refilledAt) / 1000) * rate);
      refilledAt = now;
      if (tokens >= 1) {
        tokens -= 1;
        return;
      }
      await sleep(Math.ceil(((1 - tokens) / rate) * 1000));
    }
  }

  const transport = opts.transport ?? fetchTransport;

  async function attempt(method: string, url: URL, body: unknown): Promise<RawResponse> {
    if (opts.requestBudget !== undefined && stats.requests >= opts.requestBudget) {
      throw new ConnectorError("budget_exhausted", `${opts.name}: this run's budget of ${opts.requestBudget} requests is spent`, { url: url.toString() });
    }
    await takeToken();
    stats.requests++;
    const res = await transport({ method, url, body, headers: opts.headers, timeoutMs, name: opts.name });
    opts.observe?.(res, control);
    return res;
  }

  async function request<S extends z.ZodType>(method: "GET" | "POST" | "PUT", path: string, input: { query?: Record<string, string | number | undefined>; body?: unknown; schema: S; okStatuses?: number[] }): Promise<{ status: number; data: z.infer<S> }> {
    const url = new URL(path, opts.baseUrl.endsWith("/") ? opts.baseUrl : `${opts.baseUrl}/`);
    for (const [k, v] of Object.entries(input.query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    let lastError: ConnectorError | undefined;
    let attempts = 0;
    for (let i = 0; i <= maxRetries; i++) {
      attempts++;
      let waitMs: number | null = null;
      try {
        const res = await attempt(method, url, input.body);
        const ok = (res.status >= 200 && res.status < 300) || (input.okStatuses ?? []).includes(res.status);
        if (!ok) {
          const detail = res.text.slice(0, 300);
          const own = opts.classify?.(res);
          if (own) {
            if (own.kind === "rate_limited") stats.rateLimited++;
            waitMs = own.waitMs;
            throw new ConnectorError(own.kind, `${opts.name}: HTTP ${res.status} (${own.kind}) ${detail}`, { status: res.status, url: url.toString() });
          }
          if (res.status === 429) {
            stats.rateLimited++;
            waitMs = parseRetryAfter(res.headers.get("retry-after"), Date.now(), floorMs);
            throw new ConnectorError("rate_limited", `${opts.name}: rate limited (429) ${detail}`, { status: 429, url: url.toString() });
          }
          if (RETRY_STATUS.has(res.status) || res.status >= 500) {
            waitMs = parseRetryAfter(res.headers.get("retry-after"), Date.now(), floorMs);
            throw new ConnectorError("server_error", `${opts.name}: HTTP ${res.status} ${detail}`, { status: res.status, url: url.toString() });
          }
          if (res.status === 401 || res.status === 403) throw new ConnectorError("unauthorized", `${opts.name}: HTTP ${res.status} ${detail}`, { status: res.status, url: url.toString() });
          throw new ConnectorError("client_error", `${opts.name}: HTTP ${res.status} ${detail}`, { status: res.status, url: url.toString() });
        }
        let json: unknown;
        try {
          json = res.text ? JSON.parse(res.text) : null;
        } catch {
          throw new ConnectorError("malformed_response", `${opts.name}: response is not valid JSON (${res.text.length} bytes)`, { status: res.status, url: url.toString() });
        }
        const parsed = input.schema.safeParse(json);
        if (!parsed.success) {
          const issues = parsed.error.issues.slice(0, 3).map((x) => `${x.path.join(".")}: ${x.message}`).join("; ");
          throw new ConnectorError("schema_mismatch", `${opts.name}: unexpected response shape (${issues})`, { status: res.status, url: url.toString() });
        }
        return { status: res.status, data: parsed.data };
      } catch (e) {
        if (!(e instanceof ConnectorError)) throw e;
        lastError = e;
        if (!e.retryable || i === maxRetries) break;
        stats.retries++;
        const backoff = Math.min(maxDelayMs, baseDelayMs * 2 ** i);
        await sleep(Math.min(maxDelayMs, waitMs ?? backoff / 2 + Math.random() * (backoff / 2)));
      }
    }
    throw new ConnectorError(lastError!.kind, attempts > 1 ? `${lastError!.message} (after ${attempts} attempts)` : lastError!.message, { ...lastError!.details, attempts });
  }

  return {
    request,
    stats,
    ...control,
    /** Requests this run may still send (Infinity without a budget). */
    budgetLeft: () => (opts.requestBudget === undefined ? Infinity : Math.max(0, opts.requestBudget - stats.requests)),
  };
}
export type HttpClient = ReturnType<typeof createHttpClient>;
