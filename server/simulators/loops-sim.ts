import { startSimServer, type SimRequest, type SimResponse } from "./sim-server.ts";

// Loops contacts API: POST /api/v1/contacts/create (409 when the email exists), PUT
// /api/v1/contacts/update, GET /api/v1/contacts/find?email=. Bearer API key.

export type LoopsContact = { id: string; email: string; firstName?: string | null; lastName?: string | null; source?: string; userGroup?: string; [k: string]: unknown };

export function loopsHandler(store: Map<string, LoopsContact>, apiKey: string) {
  let seq = 0;
  return (req: SimRequest): SimResponse => {
    if (req.headers.authorization !== `Bearer ${apiKey}`) return { status: 401, body: { success: false, message: "Invalid API key" } };
    const body = (req.body ?? {}) as Partial<LoopsContact>;
    if (req.method === "POST" && req.path === "/api/v1/contacts/create") {
      if (!body.email) return { status: 400, body: { success: false, message: "An email is required." } };
      const email = body.email.toLowerCase();
      if (store.has(email)) return { status: 409, body: { success: false, message: "Email or userId is already on list." } };
      const id = `loops_${++seq}`;
      store.set(email, { ...body, email, id });
      return { status: 200, body: { success: true, id } };
    }
    if (req.method === "PUT" && req.path === "/api/v1/contacts/update") {
      if (!body.email) return { status: 400, body: { success: false, message: "An email or userId is required." } };
      const email = body.email.toLowerCase();
      const prev = store.get(email);
      const id = prev?.id ?? `loops_${++seq}`;
      store.set(email, { ...prev, ...body, email, id });
      return { status: 200, body: { success: true, id } };
    }
    if (req.method === "GET" && req.path === "/api/v1/contacts/find") {
      const c = store.get(String(req.query.email ?? "").toLowerCase());
      return { status: 200, body: c ? [c] : [] };
    }
    return { status: 404, body: { success: false, message: "Not found" } };
  };
}

export function startLoopsSim(apiKey = "loops-test-key", port?: number) {
  const store = new Map<string, LoopsContact>();
  return startSimServer("loops", loopsHandler(store, apiKey), {
    renderRateLimit: (f) => ({ status: 429, body: { success: false, message: "Rate limit exceeded." }, headers: { "retry-after": String(f.retryAfterSeconds ?? 1) } }),
    renderError: (status) => ({ status, body: { success: false, message: "Server error." } }),
    port,
  }).then((server) => ({ ...server, contacts: store }));
}
