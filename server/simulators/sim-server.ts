import http from "node:http";
import type { AddressInfo } from "node:net";
import { escapeHtml, type SimPage } from "./html.ts";

// Shared plumbing for the API simulators: a real HTTP server on 127.0.0.1, a log of every request
// (tests validate them against the published API specs), and fault switches.

export type Fault =
  | { kind: "429"; retryAfterSeconds?: number }
  | { kind: "5xx"; status?: 500 | 502 | 503 }
  | { kind: "slow"; ms: number }
  | { kind: "malformed" }
  | { kind: "reset" };

export type LoggedRequest = { method: string; path: string; query: Record<string, string>; headers: http.IncomingHttpHeaders; body: unknown };

/** `origin` is the simulator's own `http://127.0.0.1:<port>`: the base of the web-app URLs it hands out. */
export type SimRequest = LoggedRequest & { url: URL; origin: string };
/** `rawBody`: sent as is instead of JSON (a provider's plain-text answers, e.g. Rack::Attack's "Retry later"). */
export type SimResponse = { status: number; body: unknown; headers?: Record<string, string>; rawBody?: string };
export type SimHandler = (req: SimRequest) => SimResponse | Promise<SimResponse>;

export type SimServer = {
  url: string;
  requests: LoggedRequest[];
  /** Queue faults: each is consumed by one upcoming request (after `afterRequests` clean ones). */
  inject(fault: Fault, count?: number, afterRequests?: number): void;
  /** Every request fails this way until cleared (persistent outage). */
  failAlways(fault: Fault | null): void;
  clearFaults(): void;
  /** Runs before each request is answered (tests use it to change data between pages). */
  onRequest(hook: ((req: LoggedRequest, index: number) => void) | null): void;
  close(): Promise<void>;
};

/** The provider's web app: a page for a GET of one of its URLs, or null to fall through to the API. */
export type SimPageHandler = (req: SimRequest) => SimPage | null;

export type SimServerOptions = {
  renderRateLimit: (f: Extract<Fault, { kind: "429" }>) => SimResponse;
  renderError: (status: number) => SimResponse;
  port?: number;
  pages?: SimPageHandler;
};

// Page text is client-controlled and already escaped; the CSP is the second line: no script runs,
// whatever slipped through.
const PAGE_HEADERS = {
  "content-type": "text/html; charset=utf-8",
  "content-security-policy": "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "cache-control": "no-store",
};

export async function startSimServer(name: string, handler: SimHandler, opts: SimServerOptions): Promise<SimServer> {
  const requests: LoggedRequest[] = [];
  let queue: { fault: Fault; skip: number }[] = [];
  let always: Fault | null = null;
  let hook: ((req: LoggedRequest, index: number) => void) | null = null;
  // Known once listening; requests only arrive after that.
  let origin = "";

  const server = http.createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString("utf8");
    let body: unknown = undefined;
    if (raw) {
      try {
        body = JSON.parse(raw);
      } catch {
        body = raw;
      }
    }
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const logged: LoggedRequest = { method: req.method ?? "GET", path: url.pathname, query: Object.fromEntries(url.searchParams), headers: req.headers, body };

    // The web app is not the API: page views stay out of the API request log (checked against the
    // API specs) and never consume the API's injected faults.
    if (opts.pages && (req.method === "GET" || req.method === "HEAD")) {
      let out: SimPage | null;
      try {
        out = opts.pages({ ...logged, url, origin });
      } catch (e) {
        out = { status: 500, html: escapeHtml(`${name} simulator page error: ${(e as Error).message}`) };
      }
      if (out) {
        res.writeHead(out.status, PAGE_HEADERS);
        res.end(req.method === "HEAD" ? undefined : out.html);
        return;
      }
    }

    requests.push(logged);
    hook?.(logged, requests.length - 1);

    let fault: Fault | null = always;
    if (!fault && queue.length) {
      const head = queue[0]!;
      if (head.skip > 0) head.skip--;
      else {
        fault = head.fault;
        queue.shift();
      }
    }
    const send = (r: SimResponse, malformed = false) => {
      const text = r.rawBody ?? JSON.stringify(r.body);
      res.writeHead(r.status, { "content-type": "application/json; charset=utf-8", ...(r.headers ?? {}) });
      res.end(malformed ? text.slice(0, Math.max(1, Math.floor(text.length / 2))) : text);
    };
    try {
      if (fault?.kind === "429") return send(opts.renderRateLimit(fault));
      if (fault?.kind === "5xx") return send(opts.renderError(fault.status ?? 503));
      if (fault?.kind === "reset") return req.socket.destroy();
      if (fault?.kind === "slow") await new Promise((r) => setTimeout(r, fault.ms));
      const out = await handler({ ...logged, url, origin });
      if (res.destroyed) return;
      send(out, fault?.kind === "malformed");
    } catch (e) {
      send({ status: 500, body: { error: `${name} simulator error: ${(e as Error).message}` } });
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 0, "127.0.0.1", () => resolve());
  });
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: origin,
    requests,
    inject(fault, count = 1, afterRequests = 0) {
      for (let i = 0; i < count; i++) queue.push({ fault, skip: i === 0 ? afterRequests : 0 });
    },
    failAlways(fault) {
      always = fault;
    },
    clearFaults() {
      queue = [];
      always = null;
    },
    onRequest(h) {
      hook = h;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

export const notFound = (message = "Not found"): SimResponse => ({ status: 404, body: { error: message } });
