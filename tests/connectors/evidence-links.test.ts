import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runConnectorSync } from "../../server/services/connectors/sync.ts";
import { SIM_CHATWOOT_TOKEN, startSimulators, type Simulators } from "../../server/simulators/index.ts";
import { createTestDb, type TestDb } from "../helpers/db.ts";
import { seedFixture, testEnv, type Fixture } from "../helpers/fixtures.ts";
import { bindProjectToSims, fastHttp } from "../helpers/sims.ts";

// "Evidence opens the source": every link the connectors store in the event log, opened like a
// browser would (no API token), lands on a page of the record it names.

let db: TestDb;
let fx: Fixture;
let sims: Simulators;
const env = testEnv();
const END = new Date("2026-11-20T00:00:00Z");
// A month on, the generated stages are past their target date (END + 30 days): stage_overdue events.
const LATER = new Date(END.getTime() + 31 * 86_400_000);

type Kind = "message" | "conversation" | "issue" | "stage" | "deal" | "note";
type Target = { projectId: string; kind: Kind; id: string; url: string };
type Expected = { shape: RegExp; texts: string[]; anchor?: RegExp };

beforeAll(async () => {
  db = await createTestDb();
  fx = await seedFixture(db.prisma);
  sims = await startSimulators({ seed: 29, projects: 2, days: 60, end: END, situations: ["client_silence", "aging_blockers", "budget_overrun", "scope_creep", "upsell_need"] });
  for (const [projectId, index] of [[fx.projectA.id, 0], [fx.projectB.id, 1]] as const) {
    await bindProjectToSims(db.prisma, env, sims, projectId, index);
    for (const connector of ["chatwoot", "linear", "attio"] as const) {
      const res = await runConnectorSync(db.prisma, env, { projectId, connector, now: END, http: fastHttp });
      expect(res.status, JSON.stringify(res)).toBe("ok");
    }
    const later = await runConnectorSync(db.prisma, env, { projectId, connector: "linear", now: LATER, http: fastHttp });
    expect(later.status, JSON.stringify(later)).toBe("ok");
  }
});
afterAll(async () => {
  await sims?.close();
  await db?.drop();
});

/** The text a browser shows: tags dropped, entities decoded. */
function textOf(html: string): string {
  return html
    .replace(/<[^>]*>/g, "")
    .replace(/&#(\d+);/g, (_, n: string) => String.fromCodePoint(Number(n)))
    .replace(/&#x([0-9a-f]+);/gi, (_, n: string) => String.fromCodePoint(parseInt(n, 16)))
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&#39;|&apos;/g, "'")
    .replace(/&amp;/g, "&");
}

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** Every link stored with the projects' domain events, by what it points at. */
async function storedLinks(): Promise<{ targets: Target[]; refsWithoutUrl: number }> {
  const rows = await db.prisma.$queryRaw<{ project_id: string; source_ref: string; source_url: string | null; kind: string | null; id: string | null; url: string | null }[]>`
    SELECT e.project_id::text, e.source_ref, e.source_url, r->>'kind' AS kind, r->>'id' AS id, r->>'url' AS url
    FROM kag_event_log e LEFT JOIN LATERAL jsonb_array_elements(e.evidence_refs) r ON true
    WHERE e.project_id IN (${fx.projectA.id}::uuid, ${fx.projectB.id}::uuid) AND e.category = 'domain'`;
  const targets = new Map<string, Target>();
  const add = (t: Target) => targets.set(`${t.projectId}|${t.kind}|${t.id}|${t.url}`, t);
  let refsWithoutUrl = 0;
  for (const r of rows) {
    const [prefix, , ref] = r.source_ref.split(":");
    if (r.kind && !r.url) refsWithoutUrl++;
    if (prefix === "cwmsg" || prefix === "cw") {
      if (r.url) add({ projectId: r.project_id, kind: "message", id: r.id!, url: r.url });
      // A message event's source is the message; a silence event's is the conversation.
      if (r.source_url) add(prefix === "cw" ? { projectId: r.project_id, kind: "conversation", id: ref!, url: r.source_url } : { projectId: r.project_id, kind: "message", id: ref!, url: r.source_url });
    } else if (prefix === "linissue" || prefix === "linproject") {
      const kind = prefix === "linissue" ? "issue" : "stage";
      for (const url of [r.url, r.source_url]) if (url) add({ projectId: r.project_id, kind, id: ref!, url });
    } else if (prefix === "attiodeal" || prefix === "attioact") {
      const kind = prefix === "attiodeal" ? "deal" : "note";
      for (const url of [r.url, r.source_url]) if (url) add({ projectId: r.project_id, kind, id: ref!, url });
    } else throw new Error(`unexpected event source ${r.source_ref}`);
  }
  return { targets: [...targets.values()], refsWithoutUrl };
}

/** What the page behind a link must show, from the rows the connectors mirrored (the API's view). */
async function expectedFor(t: Target, origins: Simulators): Promise<Expected> {
  const where = { projectId: t.projectId, externalId: t.id };
  const key = { projectId_externalId: where };
  switch (t.kind) {
    case "message": {
      const m = await db.prisma.cwMessage.findUniqueOrThrow({ where: key });
      return {
        shape: new RegExp(`^${escapeRe(origins.chatwoot.url)}/app/accounts/${m.accountId}/conversations/${m.conversationExternalId}\\?messageId=${m.externalId}$`),
        texts: [m.content ?? ""],
        // The message's own anchor, marked as the one the link points at.
        anchor: new RegExp(`<li id="message-${m.externalId}" class="linked\\b`),
      };
    }
    case "conversation": {
      const c = await db.prisma.cwConversation.findUniqueOrThrow({ where: key });
      const contact = await db.prisma.cwContact.findUniqueOrThrow({ where: { projectId_externalId: { projectId: t.projectId, externalId: c.contactExternalId! } } });
      const last = await db.prisma.cwMessage.findFirstOrThrow({ where: { projectId: t.projectId, conversationExternalId: c.externalId }, orderBy: { sourceCreatedAt: "desc" } });
      return {
        shape: new RegExp(`^${escapeRe(origins.chatwoot.url)}/app/accounts/${c.accountId}/conversations/${c.externalId}$`),
        texts: [`Conversation #${c.externalId}`, contact.name ?? "", last.content ?? ""],
      };
    }
    case "issue": {
      const i = await db.prisma.linearIssue.findUniqueOrThrow({ where: key });
      expect(t.url).toBe(i.url); // exactly what Linear returned, not rebuilt
      return { shape: new RegExp(`^${escapeRe(origins.linear.url)}/[a-z0-9-]+/issue/${i.identifier}/[a-z0-9-]+$`), texts: [i.identifier, i.title, i.stateName ?? ""] };
    }
    case "stage": {
      const p = await db.prisma.linearProject.findUniqueOrThrow({ where: key });
      expect(t.url).toBe((p.data as { url: string }).url);
      return { shape: new RegExp(`^${escapeRe(origins.linear.url)}/[a-z0-9-]+/project/[a-z0-9-]+-[0-9a-f]{12}$`), texts: [p.name ?? ""] };
    }
    case "deal": {
      const d = await db.prisma.attioDeal.findUniqueOrThrow({ where: key });
      expect(t.url).toBe((d.data as { web_url: string }).web_url);
      return { shape: new RegExp(`^${escapeRe(origins.attio.url)}/[a-z0-9-]+/deal/${d.externalId}$`), texts: [d.name ?? "", d.stage ?? ""] };
    }
    case "note": {
      const n = await db.prisma.attioActivity.findUniqueOrThrow({ where: key });
      // A note has no web URL of its own: it opens its parent record.
      const parent = await db.prisma.attioDeal.findUnique({ where: { projectId_externalId: { projectId: t.projectId, externalId: n.parentRecordId! } } });
      expect(parent, "the generated notes sit on deals").not.toBeNull();
      expect(t.url).toBe((parent!.data as { web_url: string }).web_url);
      return { shape: new RegExp(`^${escapeRe(origins.attio.url)}/[a-z0-9-]+/deal/${n.parentRecordId}$`), texts: [n.title ?? "", n.content ?? "", parent!.name ?? ""], anchor: new RegExp(`<li id="note-${n.externalId}">`) };
    }
  }
}

describe("evidence links open the source", () => {
  it("every stored evidence and source URL answers 200 text/html, without a token, with the record it names", async () => {
    const { targets, refsWithoutUrl } = await storedLinks();
    expect(refsWithoutUrl, "evidence refs stored without a link").toBe(0);
    const kinds = new Set(targets.map((t) => t.kind));
    expect([...kinds].sort()).toEqual(["conversation", "deal", "issue", "message", "note", "stage"]);
    // Both projects' links, not only the first one's.
    expect(new Set(targets.map((t) => t.projectId)).size).toBe(2);

    const pages = new Map<string, Promise<Response>>();
    const bodies = new Map<string, string>();
    for (const t of targets) {
      const want = await expectedFor(t, sims);
      expect(t.url, `${t.kind} ${t.id}`).toMatch(want.shape);
      if (!pages.has(t.url)) pages.set(t.url, fetch(t.url, { redirect: "manual" }));
      const res = await pages.get(t.url)!;
      if (!bodies.has(t.url)) {
        expect(res.status, t.url).toBe(200);
        expect(res.headers.get("content-type"), t.url).toMatch(/^text\/html\b/);
        bodies.set(t.url, await res.text());
      }
      const html = bodies.get(t.url)!;
      const text = textOf(html);
      for (const s of want.texts.filter(Boolean)) expect(text, `${t.kind} ${t.id} at ${t.url} should show ${JSON.stringify(s)}`).toContain(s);
      if (want.anchor) expect(html, `${t.kind} ${t.id} anchor`).toMatch(want.anchor);
    }
    expect(pages.size).toBeGreaterThan(50);
  });

  it("company and person records open at their web_url too", async () => {
    const records = [
      ...(await db.prisma.attioCompany.findMany({ where: { projectId: fx.projectA.id } })).map((r) => ({ url: (r.data as { web_url: string }).web_url, texts: [r.name ?? "", r.domain ?? ""], object: "company" })),
      ...(await db.prisma.attioPerson.findMany({ where: { projectId: fx.projectA.id } })).map((r) => ({ url: (r.data as { web_url: string }).web_url, texts: [r.fullName ?? "", r.email ?? ""], object: "person" })),
    ];
    expect(records.length).toBeGreaterThan(1);
    for (const r of records) {
      expect(r.url).toMatch(new RegExp(`^${escapeRe(sims.attio.url)}/[a-z0-9-]+/${r.object}/[0-9a-f-]{36}$`));
      const res = await fetch(r.url);
      expect(res.status).toBe(200);
      const text = textOf(await res.text());
      for (const s of r.texts.filter(Boolean)) expect(text).toContain(s);
    }
  });

  it("an issue page shows its state, due date and open blockers, each a link to the blocking issue", async () => {
    const blocked = await db.prisma.linearIssue.findFirstOrThrow({ where: { projectId: fx.projectA.id, blocked: true } });
    const blockerIds = (blocked.data as { blockedBy: string[] }).blockedBy;
    const blockers = await db.prisma.linearIssue.findMany({ where: { projectId: fx.projectA.id, externalId: { in: blockerIds } } });
    expect(blockers.length).toBeGreaterThan(0);
    const html = await (await fetch(blocked.url!)).text();
    for (const b of blockers) expect(html).toContain(`<a href="${b.url!.replace(/&/g, "&amp;")}">${b.identifier}</a>`);
    const text = textOf(html);
    expect(text).toContain(blocked.stateName!);
    if (blocked.dueDate) expect(text).toContain(blocked.dueDate.toISOString().slice(0, 10));
    expect(text).toContain(blocked.description ?? "");
  });

  it("unknown records are a 404 page; the JSON APIs and their auth are unchanged and page views stay out of the API log", async () => {
    const before = { cw: sims.chatwoot.requests.length, lin: sims.linear.requests.length, at: sims.attio.requests.length };
    for (const url of [`${sims.chatwoot.url}/app/accounts/1000/conversations/9999`, `${sims.linear.url}/${sims.workspace.project(0)!.linear.urlKey}/issue/ZZZ-1`, `${sims.attio.url}/${sims.workspace.project(0)!.attio.slug}/deal/00000000-0000-4000-8000-000000000000`]) {
      const res = await fetch(url);
      expect(res.status, url).toBe(404);
      expect(res.headers.get("content-type")).toMatch(/^text\/html\b/);
    }
    expect({ cw: sims.chatwoot.requests.length, lin: sims.linear.requests.length, at: sims.attio.requests.length }).toEqual(before);

    const cwNoToken = await fetch(`${sims.chatwoot.url}/api/v1/accounts/1000/conversations`);
    expect(cwNoToken.status).toBe(401);
    expect(cwNoToken.headers.get("content-type")).toMatch(/^application\/json/);
    const cwToken = await fetch(`${sims.chatwoot.url}/api/v1/accounts/1000/conversations?status=all`, { headers: { api_access_token: SIM_CHATWOOT_TOKEN } });
    expect(cwToken.status).toBe(200);
    expect(((await cwToken.json()) as { data: { payload: unknown[] } }).data.payload.length).toBeGreaterThan(0);
    // A page URL with another method is still the API: token first.
    expect((await fetch(`${sims.chatwoot.url}/app/accounts/1000/conversations/1`, { method: "POST" })).status).toBe(401);
    expect((await fetch(`${sims.linear.url}/graphql`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ query: "{ teams { nodes { id } } }" }) })).status).toBe(401);
    expect((await fetch(`${sims.linear.url}/graphql`)).status).toBe(404);
    expect((await fetch(`${sims.attio.url}/v2/notes`)).status).toBe(401);
  });
});

describe("pages treat client text as hostile", () => {
  const HOSTILE = `<script>alert("pwned")</script><img src=x onerror="alert(1)"> & 'quotes' "double"`;

  it("a conversation page HTML-escapes message content and contact names", async () => {
    const acc = sims.workspace.project(0)!.chatwoot;
    const conv = acc.conversations[0]!;
    acc.contacts.find((c) => c.id === conv.contact_id)!.name = `<b onmouseover="alert(2)">Mallory</b>`;
    // The client writes in through the API, like any incoming message.
    const posted = await fetch(`${sims.chatwoot.url}/api/v1/accounts/${acc.accountId}/conversations/${conv.id}/messages`, {
      method: "POST",
      headers: { api_access_token: SIM_CHATWOOT_TOKEN, "content-type": "application/json" },
      body: JSON.stringify({ content: HOSTILE, message_type: "incoming" }),
    });
    expect(posted.status).toBe(200);
    const { id } = (await posted.json()) as { id: number };

    const res = await fetch(`${sims.chatwoot.url}/app/accounts/${acc.accountId}/conversations/${conv.id}?messageId=${id}`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-security-policy")).toMatch(/default-src 'none'/);
    expect(res.headers.get("content-security-policy")).not.toMatch(/script-src/);
    const html = await res.text();
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/<img/i);
    expect(html).not.toMatch(/<b /i);
    expect(html).toContain("&lt;script&gt;alert(&quot;pwned&quot;)&lt;/script&gt;");
    expect(html).toContain(`<li id="message-${id}" class="linked">`);
    const text = textOf(html);
    expect(text).toContain(HOSTILE);
    expect(text).toContain(`<b onmouseover="alert(2)">Mallory</b>`);
  });

  it("an issue created with a hostile title gets a clean URL slug and an escaped page", async () => {
    const lin = sims.workspace.project(0)!.linear;
    const res = await fetch(`${sims.linear.url}/graphql`, {
      method: "POST",
      headers: { authorization: `lin_api_${lin.workspaceId}`, "content-type": "application/json" },
      body: JSON.stringify({ query: "mutation($input: IssueCreateInput!) { issueCreate(input: $input) { issue { identifier url } } }", variables: { input: { teamId: lin.teamId, title: HOSTILE, description: HOSTILE } } }),
    });
    const { identifier, url } = ((await res.json()) as { data: { issueCreate: { issue: { identifier: string; url: string } } } }).data.issueCreate.issue;
    expect(url).toMatch(new RegExp(`^${escapeRe(sims.linear.url)}/${lin.urlKey}/issue/${identifier}/[a-z0-9-]+$`));
    const html = await (await fetch(url)).text();
    expect(html).not.toMatch(/<script|<img/i);
    expect(textOf(html)).toContain(HOSTILE);
  });
});
