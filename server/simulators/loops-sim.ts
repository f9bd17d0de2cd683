import { startSimServer, type SimRequest, type SimResponse } from "./sim-server.ts";

// Loops contacts API as published (specs/loops.openapi.yml, server https://app.loops.so/api/v1):
// POST /contacts/create (409 when the email exists), PUT /contacts/update, GET /contacts/find?email=.
// Bearer API key. Request bodies are checked as the spec types them (ContactRequest /
// ContactUpdateRequest: email, firstName, lastName, userGroup, userId are strings, subscribed a boolean,
// mailingLists an object of booleans, any other property a string, number or boolean — never null);
// a body that does not match is a 400 ContactFailureResponse {success: false, message}, as Loops answers.
// Rate limit (Loops: 10 requests per second per team): over it a 429 with x-ratelimit-limit /
// x-ratelimit-remaining headers. Off unless asked for (`ratePerSecond`): the shared test simulators push
// unpaced; the Loops tests switch it on and run the connector at its own pace.

export type LoopsContact = { id: string; email: string; firstName?: string | null; lastName?: string | null; source?: string; subscribed?: boolean; userGroup?: string; userId?: string | null; [k: string]: unknown };

/** ContactRequest / ContactUpdateRequest's typed properties, as in the spec (a test compares them with it). */
export const LOOPS_CONTACT_FIELDS: Record<string, "string" | "boolean" | "object"> = {
  email: "string", firstName: "string", lastName: "string", subscribed: "boolean", userGroup: "string", userId: "string", mailingLists: "object",
};
export const LOOPS_RATE_PER_SECOND = 10;

const failure = (status: number, message: string): SimResponse => ({ status, body: { success: false, message } });

/** What is wrong with a contact body, by the spec's types; null when it is valid. */
export function contactBodyProblem(body: unknown): string | null {
  if (typeof body !== "object" || body === null || Array.isArray(body)) return "The request body must be a JSON object.";
  for (const [k, v] of Object.entries(body)) {
    const want = LOOPS_CONTACT_FIELDS[k];
    if (want === "object") {
      if (typeof v !== "object" || v === null || Array.isArray(v) || !Object.values(v).every((x) => typeof x === "boolean")) return `${k} must be an object of mailing list ids to booleans.`;
    } else if (want) {
      if (typeof v !== want) return `${k} must be a ${want}${v === null ? " (null is not allowed)" : ""}.`;
    } else if (!["string", "number", "boolean"].includes(typeof v)) return `Custom property ${k} must be a string, number or boolean${v === null ? " (null is not allowed)" : ""}.`;
  }
  return null;
}

export function loopsHandler(store: Map<string, LoopsContact>, apiKey: string, opts: { ratePerSecond?: number | null } = {}) {
  let seq = 0;
  let window = { second: 0, count: 0 };
  const rate = opts.ratePerSecond ?? Infinity;
  return (req: SimRequest): SimResponse => {
    if (req.headers.authorization !== `Bearer ${apiKey}`) return failure(401, "Invalid API key");
    const second = Math.floor(Date.now() / 1000);
    if (window.second !== second) window = { second, count: 0 };
    if (++window.count > rate) return { ...failure(429, "Rate limit exceeded."), headers: { "x-ratelimit-limit": String(rate), "x-ratelimit-remaining": "0" } };
    const body = req.body as Partial<LoopsContact> | undefined;
    if (req.method === "POST" && req.path === "/api/v1/contacts/create") {
      const problem = contactBodyProblem(body);
      if (problem) return failure(400, problem);
      if (!body!.email) return failure(400, "An email is required.");
      const email = body!.email.toLowerCase();
      if (store.has(email)) return failure(409, "Email or userId is already on list.");
      const id = `loops_${++seq}`;
      store.set(email, { ...body, email, id });
      return { status: 200, body: { success: true, id } };
    }
    if (req.method === "PUT" && req.path === "/api/v1/contacts/update") {
      const problem = contactBodyProblem(body);
      if (problem) return failure(400, problem);
      if (!body!.email && !body!.userId) return failure(400, "An email or userId is required.");
      const email = String(body!.email ?? "").toLowerCase();
      const prev = store.get(email);
      const id = prev?.id ?? `loops_${++seq}`;
      store.set(email, { ...prev, ...body, email, id });
      return { status: 200, body: { success: true, id } };
    }
    if (req.method === "GET" && req.path === "/api/v1/contacts/find") {
      const c = store.get(String(req.query.email ?? "").toLowerCase());
      // Contact objects carry null for names Loops has none for (the spec's Contact allows it).
      return { status: 200, body: c ? [{ firstName: null, lastName: null, userId: null, subscribed: true, source: "API", ...c }] : [] };
    }
    return failure(404, "Not found");
  };
}

export function startLoopsSim(apiKey = "loops-test-key", port?: number, opts: { ratePerSecond?: number | null } = {}) {
  const store = new Map<string, LoopsContact>();
  return startSimServer("loops", loopsHandler(store, apiKey, opts), {
    renderRateLimit: (f) => ({ status: 429, body: { success: false, message: "Rate limit exceeded." }, headers: { "retry-after": String(f.retryAfterSeconds ?? 1) } }),
    renderError: (status) => ({ status, body: { success: false, message: "Server error." } }),
    port,
  }).then((server) => ({ ...server, contacts: store }));
}
