import http from "node:http";
import type { AddressInfo } from "node:net";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import { z } from "zod";
import { MCP_API_TOOL } from "../services/connectors/mcp-transport.ts";

// A local MCP server for tests and the demo: it exposes the `api_request` tool over Streamable HTTP
// (stateless) and answers it by calling the provider API (here: a simulator) with the credentials
// that came on the MCP request's headers. It is the MCP twin of the simulators, not a stub: the
// connector's requests, faults and answers all go through the real MCP client and protocol.

const FORWARDED_HEADERS = ["authorization", "api_access_token"];

export type McpGateway = { url: string; calls: Array<{ method: string; path: string }>; close: () => Promise<void> };

export async function startMcpGateway(opts: { upstream: string; port?: number; requiredHeader?: string }): Promise<McpGateway> {
  const calls: McpGateway["calls"] = [];

  function buildServer(incoming: http.IncomingHttpHeaders) {
    const server = new McpServer({ name: "control-tower-sim-gateway", version: "1.0.0" });
    server.registerTool(
      MCP_API_TOOL,
      {
        description: "Call the provider's REST/GraphQL API and return its raw answer.",
        inputSchema: { method: z.enum(["GET", "POST", "PUT"]), path: z.string().startsWith("/"), body: z.unknown().optional() },
        outputSchema: { status: z.number(), headers: z.record(z.string(), z.string()), body: z.string() },
      },
      async ({ method, path, body }) => {
        calls.push({ method, path });
        const headers: Record<string, string> = { accept: "application/json" };
        for (const h of FORWARDED_HEADERS) if (typeof incoming[h] === "string") headers[h] = incoming[h];
        if (body !== undefined) headers["content-type"] = "application/json";
        const res = await fetch(new URL(path, opts.upstream), { method, headers, body: body !== undefined ? JSON.stringify(body) : undefined });
        const out = { status: res.status, headers: Object.fromEntries(res.headers.entries()), body: await res.text() };
        return { content: [{ type: "text" as const, text: `HTTP ${out.status}` }], structuredContent: out };
      },
    );
    return server;
  }

  const httpServer = http.createServer(async (req, res) => {
    if (req.method !== "POST") {
      res.writeHead(405, { allow: "POST" }).end();
      return;
    }
    if (opts.requiredHeader && !req.headers[opts.requiredHeader]) {
      res.writeHead(401, { "content-type": "application/json" }).end(JSON.stringify({ error: `missing ${opts.requiredHeader}` }));
      return;
    }
    const server = buildServer(req.headers);
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
    res.on("close", () => {
      void transport.close();
      void server.close();
    });
    await server.connect(transport);
    await transport.handleRequest(req, res);
  });
  await new Promise<void>((resolve) => httpServer.listen(opts.port ?? 0, "127.0.0.1", resolve));
  const { port } = httpServer.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/mcp`,
    calls,
    close: () => new Promise<void>((resolve) => {
      httpServer.closeAllConnections();
      httpServer.close(() => resolve());
    }),
  };
}
