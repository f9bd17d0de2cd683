import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { z } from "zod";
import { ConnectorError, type RawResponse, type Transport } from "./http-client.ts";

// MCP mode: the connector code stays the same (same requests, paging, cursors, retries and response
// validation); only the hop to the provider changes. Each request becomes one call of the MCP server's
// `api_request` tool over Streamable HTTP. The provider credentials travel as headers of the MCP HTTP
// request (never in tool arguments, which servers tend to log), exactly as they would to the API.

export const MCP_API_TOOL = "api_request";

/** What the `api_request` tool returns as structured content: the provider's answer, untouched. */
export const mcpApiResult = z.object({
  status: z.number().int(),
  headers: z.record(z.string(), z.string()).default({}),
  body: z.string(),
});

export type McpTransport = { transport: Transport; close: () => Promise<void> };

export function createMcpTransport(opts: { name: string; url: string; headers: Record<string, string> }): McpTransport {
  let client: Client | null = null;

  async function connect(timeoutMs: number): Promise<Client> {
    if (client) return client;
    const c = new Client({ name: "control-tower", version: "1.0.0" });
    const transport = new StreamableHTTPClientTransport(new URL(opts.url), { requestInit: { headers: opts.headers } });
    try {
      await c.connect(transport, { timeout: timeoutMs });
    } catch (e) {
      await c.close().catch(() => undefined);
      throw new ConnectorError("network", `${opts.name}: cannot reach the MCP server at ${opts.url}: ${(e as Error).message}`, { url: opts.url });
    }
    client = c;
    return c;
  }

  const transport: Transport = async ({ method, url, body, timeoutMs }): Promise<RawResponse> => {
    const c = await connect(timeoutMs);
    let result: Awaited<ReturnType<Client["callTool"]>>;
    try {
      result = await c.callTool({ name: MCP_API_TOOL, arguments: { method, path: url.pathname + url.search, ...(body !== undefined ? { body } : {}) } }, undefined, { timeout: timeoutMs });
    } catch (e) {
      // A broken session is reopened on the next attempt; the retry loop decides whether there is one.
      client = null;
      await c.close().catch(() => undefined);
      const message = (e as Error).message;
      if (/timed? ?out/i.test(message)) throw new ConnectorError("timeout", `${opts.name}: MCP tool call got no answer within ${timeoutMs} ms (${method} ${url.pathname})`, { url: opts.url });
      throw new ConnectorError("network", `${opts.name}: MCP tool call failed: ${message}`, { url: opts.url });
    }
    if (result.isError) {
      const text = Array.isArray(result.content) ? result.content.map((x) => (x.type === "text" ? x.text : "")).join(" ") : "";
      // A tool-level failure is the gateway's problem, not the provider's answer: treat it like a 502.
      return { status: 502, text: text.slice(0, 500), headers: new Headers() };
    }
    const parsed = mcpApiResult.safeParse(result.structuredContent);
    if (!parsed.success) throw new ConnectorError("malformed_response", `${opts.name}: the MCP tool ${MCP_API_TOOL} returned no {status, headers, body} structured content`, { url: opts.url });
    return { status: parsed.data.status, text: parsed.data.body, headers: new Headers(parsed.data.headers) };
  };

  return {
    transport,
    close: async () => {
      const c = client;
      client = null;
      await c?.close().catch(() => undefined);
    },
  };
}
