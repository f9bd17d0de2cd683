import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { Form, Link, useActionData, useFetcher, useLoaderData, useSearchParams } from "@remix-run/react";
import { ActionResult } from "~/components/ActionResult.tsx";
import { Time } from "~/components/AppShell.tsx";
import { COMMON_CURRENCIES, describeTimeZone } from "~/utils/format.ts";
import { act, load, requireCaller } from "~/utils/trpc.server.ts";
import { useProject } from "~/utils/project.ts";

export async function loader({ context, request, params }: LoaderFunctionArgs) {
  const caller = requireCaller(context, request);
  const projectId = params.projectId!;
  const url = new URL(request.url);
  const cursor = url.searchParams.get("auditCursor") ?? undefined;
  const auditAction = url.searchParams.get("auditAction") ?? "";
  const [members, tokens, audit, project, preferences] = await Promise.all([
    load(request, () => caller.projects.members({ projectId })),
    load(request, () => caller.tokens.list()),
    load(request, () => caller.audit.list({ projectId, limit: 30, cursor: /^\d+$/.test(cursor ?? "") ? cursor : undefined, action: /^[a-z_.]{1,100}$/.test(auditAction) ? auditAction : undefined })),
    load(request, () => caller.projects.get({ projectId })),
    load(request, () => caller.preferences.get()),
  ]);
  // The zones this server knows, with their offset now ("Asia/Tokyo (GMT+9)"); UTC first.
  const now = new Date();
  const timeZones = ["UTC", ...Intl.supportedValuesOf("timeZone")].map((value) => ({ value, label: describeTimeZone(value, now) }));
  const currencies = [...new Set([...COMMON_CURRENCIES, preferences.currency])];
  const candidates = project.role === "owner" ? await load(request, () => caller.projects.memberCandidates({ projectId })) : [];
  return { members, candidates, tokens: tokens.filter((t) => !t.projectId || t.projectId === projectId), audit: audit.items, auditNext: audit.nextCursor, preferences, timeZones, currencies };
}

export async function action({ context, request, params }: ActionFunctionArgs) {
  const caller = requireCaller(context, request);
  const form = await request.formData();
  if (form.get("intent") === "create-token") {
    return act(request, async () => {
      const r = await caller.tokens.create({ name: String(form.get("name") ?? ""), projectId: form.get("scope") === "project" ? params.projectId! : null, readOnly: form.get("readOnly") === "on" });
      return { created: r.token, message: `Token "${r.apiToken.name}" created. Copy it now: it will not be shown again.` };
    });
  }
  if (form.get("intent") === "set-time-zone") {
    return act(request, async () => {
      const r = await caller.preferences.setTimeZone({ timeZone: String(form.get("timeZone") ?? ""), source: "user" });
      return { created: null, message: r.changed ? `Times now show in ${r.timeZone}.` : `Times already show in ${r.timeZone}.` };
    });
  }
  if (form.get("intent") === "set-currency") {
    return act(request, async () => {
      const r = await caller.preferences.setCurrency({ currency: String(form.get("currency") ?? "") });
      return { created: null, message: r.changed ? `Money now shows in ${r.currency} across the workspace.` : `The workspace already uses ${r.currency}.` };
    });
  }
  const projectId = params.projectId!;
  if (form.get("intent") === "add-member") {
    return act(request, async () => {
      const r = await caller.projects.addMember({ projectId, email: String(form.get("email") ?? ""), role: String(form.get("role")) as "viewer" });
      return { created: null, message: `${r.email} added as ${r.role}.` };
    });
  }
  if (form.get("intent") === "set-role") {
    return act(request, async () => {
      const r = await caller.projects.setMemberRole({ projectId, userId: String(form.get("userId") ?? ""), role: String(form.get("role")) as "viewer" });
      return { created: null, message: `Role changed to ${r.role}.` };
    });
  }
  if (form.get("intent") === "remove-member") {
    return act(request, async () => {
      await caller.projects.removeMember({ projectId, userId: String(form.get("userId") ?? "") });
      return { created: null, message: "Member removed." };
    });
  }
  if (form.get("intent") === "revoke-token") {
    return act(request, async () => {
      const r = await caller.tokens.revoke({ tokenId: String(form.get("tokenId") ?? "") });
      return { created: null, message: `Token "${r.name}" revoked.` };
    });
  }
  throw new Response("Unknown action", { status: 400 });
}

export default function SettingsPage() {
  const { members, candidates, tokens, audit, auditNext, preferences, timeZones, currencies } = useLoaderData<typeof loader>();
  const zoneFetcher = useFetcher<typeof action>();
  const currencyFetcher = useFetcher<typeof action>();
  const [params] = useSearchParams();
  const result = useActionData<typeof action>();
  const project = useProject();
  const isOwner = project.role === "owner";
  return (
    <div className="space-y-8">
      <h1 className="text-2xl font-bold">Settings</h1>
      <div aria-live="polite">
        {result ? (result.ok ? (
          <div className="rounded-md bg-emerald-50 p-3 text-sm text-emerald-900">
            <p>{result.data.message}</p>
            {result.data.created ? <code data-testid="new-token" className="mt-2 block break-all rounded bg-white p-2 font-mono">{result.data.created}</code> : null}
          </div>
        ) : <p role="alert" className="rounded-md bg-red-50 p-2 text-sm text-red-800">{result.error}</p>) : null}
      </div>
      <section aria-labelledby="preferences-heading">
        <h2 id="preferences-heading" className="text-lg font-semibold">Time zone and currency</h2>
        <p className="text-sm text-slate-600">Times everywhere show in your time zone (taken from your browser on your first visit); money shows in the workspace currency.</p>
        <div className="mt-3 flex flex-wrap items-start gap-6 text-sm">
          <zoneFetcher.Form method="post" className="flex max-w-full flex-col">
            <label htmlFor="time-zone" className="font-medium">Your time zone</label>
            <div className="mt-1 flex items-center gap-2">
              <select id="time-zone" name="timeZone" defaultValue={preferences.effectiveTimeZone} key={preferences.effectiveTimeZone} className="min-w-0 max-w-xs rounded-md border border-slate-300 px-2 py-1">
                {timeZones.map((z) => <option key={z.value} value={z.value}>{z.label}</option>)}
              </select>
              <button name="intent" value="set-time-zone" disabled={zoneFetcher.state !== "idle"} className="rounded-md px-3 py-1 ring-1 ring-slate-300 hover:bg-slate-100">Save</button>
            </div>
            {preferences.timeZone ? null : <span className="mt-1 text-xs text-slate-500">Not set yet: times show in UTC.</span>}
            <ActionResult fetcher={zoneFetcher} />
          </zoneFetcher.Form>
          <currencyFetcher.Form method="post" className="flex flex-col">
            <label htmlFor="currency" className="font-medium">Workspace currency</label>
            {preferences.canEditCurrency ? (
              <div className="mt-1 flex items-center gap-2">
                <select id="currency" name="currency" defaultValue={preferences.currency} key={preferences.currency} className="rounded-md border border-slate-300 px-2 py-1">
                  {currencies.map((c) => <option key={c} value={c}>{c}</option>)}
                </select>
                <button name="intent" value="set-currency" disabled={currencyFetcher.state !== "idle"} className="rounded-md px-3 py-1 ring-1 ring-slate-300 hover:bg-slate-100">Save</button>
              </div>
            ) : <output id="currency" className="mt-1">{preferences.currency} <span className="text-xs text-slate-500">(owners change it)</span></output>}
            <ActionResult fetcher={currencyFetcher} />
          </currencyFetcher.Form>
        </div>
      </section>
      <section aria-labelledby="members-heading">
        <h2 id="members-heading" className="text-lg font-semibold">Members and roles</h2>
        <p className="text-sm text-slate-600">Owners manage members; PMs act on recommendations, jobs and connectors; viewers read.</p>
        <div className="relative mt-2 overflow-x-auto rounded-lg bg-white ring-1 ring-slate-200">
        <table className="min-w-full text-sm">
          <thead className="bg-slate-50 text-left"><tr><th scope="col" className="p-2">Name</th><th scope="col" className="p-2">Email</th><th scope="col" className="p-2">Role</th>{isOwner ? <th scope="col" className="p-2"><span className="sr-only">Actions</span></th> : null}</tr></thead>
          <tbody>{members.map((m) => (
            <tr key={m.userId} className="border-t border-slate-100" data-member={m.email}>
              <td className="p-2">{m.name}</td><td className="p-2">{m.email}</td>
              <td className="p-2">
                {isOwner ? (
                  <Form method="post" className="flex items-center gap-1">
                    <input type="hidden" name="userId" value={m.userId} />
                    <label className="sr-only" htmlFor={`role-${m.userId}`}>Role of {m.name}</label>
                    <select id={`role-${m.userId}`} name="role" defaultValue={m.role} className="rounded border border-slate-300 px-1 py-0.5">
                      <option value="owner">owner</option><option value="pm">pm</option><option value="viewer">viewer</option>
                    </select>
                    <button name="intent" value="set-role" className="rounded px-2 py-0.5 text-xs ring-1 ring-slate-300">Save</button>
                  </Form>
                ) : m.role}
              </td>
              {isOwner ? (
                <td className="p-2"><Form method="post"><input type="hidden" name="userId" value={m.userId} /><button name="intent" value="remove-member" className="rounded px-2 py-0.5 text-xs text-rose-800 ring-1 ring-rose-200">Remove</button></Form></td>
              ) : null}
            </tr>
          ))}</tbody>
        </table>
        </div>
        {isOwner ? (
          <Form method="post" className="mt-3 flex flex-wrap items-end gap-3 text-sm">
            <div><label htmlFor="member-email" className="block font-medium">Add a colleague</label>
              <input id="member-email" name="email" type="email" required list="member-candidates" placeholder="name@agency.com" className="mt-1 rounded-md border border-slate-300 px-2 py-1" />
              <datalist id="member-candidates">{candidates.map((c) => <option key={c.id} value={c.email}>{c.name}</option>)}</datalist></div>
            <div><label htmlFor="member-role" className="block font-medium">Role</label>
              <select id="member-role" name="role" defaultValue="viewer" className="mt-1 rounded-md border border-slate-300 px-2 py-1"><option value="viewer">viewer</option><option value="pm">pm</option><option value="owner">owner</option></select></div>
            <button name="intent" value="add-member" className="rounded-md bg-indigo-600 px-3 py-1 text-white">Add member</button>
            {candidates.length === 0 ? <span className="text-xs text-slate-500">Everyone in your workspace is already a member.</span> : null}
          </Form>
        ) : null}
      </section>
      <section aria-labelledby="tokens-heading">
        <h2 id="tokens-heading" className="text-lg font-semibold">Your API tokens</h2>
        <p className="text-sm text-slate-600">Tokens act with your memberships, for typed tRPC clients and scripts (<code>Authorization: Bearer …</code>).</p>
        <Form method="post" className="mt-3 flex flex-wrap items-end gap-3">
          <div><label htmlFor="token-name" className="block text-sm font-medium">Name</label>
            <input id="token-name" name="name" required maxLength={100} className="mt-1 rounded-md border border-slate-300 px-2 py-1" /></div>
          <div><label htmlFor="token-scope" className="block text-sm font-medium">Scope</label>
            <select id="token-scope" name="scope" className="mt-1 rounded-md border border-slate-300 px-2 py-1"><option value="project">Only {project.name}</option><option value="all">All my projects</option></select></div>
          <label className="flex items-center gap-1 text-sm"><input type="checkbox" name="readOnly" /> Read-only</label>
          <button name="intent" value="create-token" className="rounded-md bg-indigo-600 px-3 py-1 text-white">Create token</button>
        </Form>
        <ul className="mt-3 divide-y divide-slate-100 rounded-lg bg-white text-sm ring-1 ring-slate-200">
          {tokens.length === 0 ? <li className="p-2 text-slate-600">No tokens.</li> : tokens.map((t) => (
            <li key={t.id} className="flex flex-wrap items-center gap-3 p-2">
              <span className="font-medium">{t.name}</span><code className="text-xs">{t.prefix}…</code>
              <span className="text-slate-600">{t.readOnly ? "read-only" : "read-write"} · {t.projectId ? "this project" : "all projects"} · last used <Time value={t.lastUsedAt} /></span>
              {t.revokedAt ? <span className="text-red-700">revoked</span> : (
                <Form method="post" className="ml-auto"><input type="hidden" name="tokenId" value={t.id} />
                  <button name="intent" value="revoke-token" className="rounded-md px-2 py-1 ring-1 ring-slate-300">Revoke</button></Form>
              )}
            </li>
          ))}
        </ul>
      </section>
      <section aria-labelledby="audit-heading">
        <h2 id="audit-heading" className="text-lg font-semibold">Audit log</h2>
        <Form method="get" className="mt-2 flex items-end gap-2 text-sm">
          <label className="flex flex-col">Action<input name="auditAction" defaultValue={params.get("auditAction") ?? ""} placeholder="e.g. member.added" className="mt-1 rounded-md border border-slate-300 px-2 py-1" /></label>
          <button className="rounded-md px-3 py-1 ring-1 ring-slate-300">Filter</button>
        </Form>
        <ul className="mt-2 divide-y divide-slate-100 rounded-lg bg-white text-sm ring-1 ring-slate-200">
          {audit.length === 0 ? <li className="p-2 text-slate-600">No changes recorded yet.</li> : audit.map((a) => (
            <li key={a.id} className="flex flex-wrap gap-3 p-2"><Time value={a.createdAt} /><span className="font-medium">{a.action}</span>
              <span className="text-slate-600">{a.actorEmail ?? a.actorType} · {a.status}{a.entityType ? ` · ${a.entityType}` : ""}</span>
              {a.payload && Object.keys(a.payload as object).length ? <span className="truncate font-mono text-xs text-slate-500">{JSON.stringify(a.payload).slice(0, 140)}</span> : null}</li>
          ))}
        </ul>
        {auditNext ? <Link className="mt-2 inline-block text-sm underline" to={`?${new URLSearchParams({ ...(params.get("auditAction") ? { auditAction: params.get("auditAction")! } : {}), auditCursor: auditNext })}`}>Older entries</Link> : null}
      </section>
    </div>
  );
}

export { RouteErrorBoundary as ErrorBoundary } from "~/components/RouteError.tsx";
