import http from "node:http";
import type { AddressInfo } from "node:net";

export type Exchange = { method: string; path: string; requestBody: unknown; status: number; headers: Record<string, string>; body: unknown };

/** A pass-through proxy in front of a simulator that records every answer as the client received it (for response-schema tests). */
export async function recordingProxy(upstream: string) {
  const log: Exchange[] = [];
  const server = http.createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString("utf8");
    const target = new URL(req.url ?? "/", upstream);
    const up = await fetch(target, { method: req.method, headers: { ...(req.headers as Record<string, string>), host: target.host }, body: raw || undefined });
    const text = await up.text();
    const headers = Object.fromEntries(up.headers);
    log.push({ method: req.method ?? "GET", path: target.pathname, requestBody: raw ? JSON.parse(raw) : undefined, status: up.status, headers, body: text ? JSON.parse(text) : undefined });
    res.writeHead(up.status, headers);
    res.end(text);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, log, close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }) };
}
