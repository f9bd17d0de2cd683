import { Form } from "@remix-run/react";
import { Time } from "./AppShell.tsx";

type Source = { kind: string; externalId: string; baseUrl: string | null; isDemo: boolean };
type State = { connector: string; status: string; lastSuccessAt: string | Date | null; lastAttemptAt: string | Date | null; lastError: string | null; meta: unknown };
type ErrorRow = { id: string; connector: string; errorKind: string; message: string; attempt: number; status: string; nextRetryAt: string | Date | null };

const KIND_TO_CONNECTOR: Record<string, string> = { chatwoot_account: "chatwoot", linear_workspace: "linear", attio_workspace: "attio" };
const STATUS_STYLE: Record<string, string> = { ok: "bg-emerald-100 text-emerald-800", failed: "bg-red-100 text-red-800", running: "bg-sky-100 text-sky-800", idle: "bg-slate-100 text-slate-700" };

export function ConnectorsPanel({ sources, state, errors, canMutate }: { sources: Source[]; state: State[]; errors: ErrorRow[]; canMutate: boolean }) {
  const bound = sources.filter((s) => KIND_TO_CONNECTOR[s.kind]);
  const open = errors.filter((e) => e.status !== "resolved");
  return (
    <section aria-labelledby="connectors-heading" className="space-y-3">
      <div className="flex items-center gap-3">
        <h2 id="connectors-heading" className="text-lg font-semibold">Connectors</h2>
        {canMutate && bound.length ? (
          <Form method="post"><button name="intent" value="sync-all" className="rounded-md bg-indigo-600 px-2 py-1 text-sm text-white hover:bg-indigo-500">Sync all now</button></Form>
        ) : null}
      </div>
      {bound.length === 0 ? <p className="text-sm text-slate-600">No Chatwoot, Linear or Attio account is connected to this project yet.</p> : (
        <ul className="grid gap-3 md:grid-cols-3">
          {bound.map((src) => {
            const name = KIND_TO_CONNECTOR[src.kind]!;
            const st = state.find((x) => x.connector === name);
            const meta = (st?.meta ?? {}) as { lastResult?: Record<string, number>; coverage?: { accountCoverage: number; dealCoverage: number; dealsWithBrokenCompanyLink: number } };
            return (
              <li key={src.kind} className="rounded-lg bg-white p-3 text-sm ring-1 ring-slate-200" data-connector={name} data-status={st?.status ?? "idle"}>
                <div className="flex items-center gap-2">
                  <span className="font-semibold capitalize">{name}</span>
                  <span className={`rounded px-2 py-0.5 text-xs ${STATUS_STYLE[st?.status ?? "idle"] ?? ""}`}>{st?.status ?? "never synced"}</span>
                  {src.isDemo ? <span className="rounded bg-amber-100 px-2 py-0.5 text-xs text-amber-900" title="Data comes from a local simulator, not production">demo source</span> : null}
                </div>
                <p className="mt-1 text-xs text-slate-500">{src.externalId}</p>
                <dl className="mt-2 grid grid-cols-2 gap-x-2 text-xs">
                  <dt className="text-slate-500">Last success</dt><dd><Time value={st?.lastSuccessAt ?? null} /></dd>
                  <dt className="text-slate-500">Last attempt</dt><dd><Time value={st?.lastAttemptAt ?? null} /></dd>
                  {meta.coverage ? (<><dt className="text-slate-500">Coverage</dt><dd>{Math.round(meta.coverage.accountCoverage * 100)}% accounts · {Math.round(meta.coverage.dealCoverage * 100)}% deals{meta.coverage.dealsWithBrokenCompanyLink ? ` · ${meta.coverage.dealsWithBrokenCompanyLink} broken links` : ""}</dd></>) : null}
                </dl>
                {meta.lastResult ? <p className="mt-2 font-mono text-[11px] text-slate-600">{Object.entries(meta.lastResult).filter(([, v]) => v).map(([k, v]) => `${k}=${v}`).join(" ")}</p> : null}
                {st?.lastError ? <p className="mt-2 text-xs text-red-700">{st.lastError.slice(0, 300)}</p> : null}
                {canMutate ? (
                  <Form method="post" className="mt-2"><input type="hidden" name="connector" value={name} />
                    <button name="intent" value="sync" className="rounded-md px-2 py-1 text-xs ring-1 ring-slate-300 hover:bg-slate-100">Sync {name} now</button></Form>
                ) : null}
              </li>
            );
          })}
        </ul>
      )}
      {open.length ? (
        <div className="rounded-lg border border-red-200 bg-red-50 p-3 text-sm" role="region" aria-label="Connector errors">
          <div className="flex items-center gap-3">
            <h3 className="font-semibold text-red-900">Connector errors</h3>
            {canMutate ? <Form method="post"><button name="intent" value="retry-errors" className="rounded-md bg-red-700 px-2 py-1 text-xs text-white">Retry now</button></Form> : null}
          </div>
          <ul className="mt-2 space-y-1">
            {open.map((e) => (
              <li key={e.id} data-error-status={e.status}>
                <span className="font-medium capitalize">{e.connector}</span> · {e.status.replace("_", " ")} · attempt {e.attempt} · {e.errorKind}
                {e.nextRetryAt ? <> · next retry <Time value={e.nextRetryAt} /></> : null}
                <div className="text-xs text-red-800">{e.message.slice(0, 300)}</div>
              </li>
            ))}
          </ul>
        </div>
      ) : null}
    </section>
  );
}
