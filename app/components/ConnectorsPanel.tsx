import { useFetcher } from "@remix-run/react";
import { ActionResult } from "./ActionResult.tsx";
import { Time } from "./AppShell.tsx";
import { connectorName, describeCounters, technicalCounters } from "../utils/jobs.ts";

type Source = { kind: string; externalId: string; baseUrl: string | null; isDemo: boolean };
type State = { connector: string; status: string; lastSuccessAt: string | Date | null; lastAttemptAt: string | Date | null; lastError: string | null; meta: unknown };
type ErrorRow = { id: string; connector: string; errorKind: string; message: string; attempt: number; status: string; nextRetryAt: string | Date | null };

const KIND_TO_CONNECTOR: Record<string, string> = { chatwoot_account: "chatwoot", linear_workspace: "linear", attio_workspace: "attio" };
const STATUS_STYLE: Record<string, string> = { ok: "bg-emerald-100 text-emerald-800", failed: "bg-red-100 text-red-800", running: "bg-sky-100 text-sky-800", idle: "bg-slate-100 text-slate-700", partial: "bg-amber-100 text-amber-900" };
// "partial": the last run stopped at its request budget or the provider's limit, on purpose; the rest follows.
const STATUS_LABEL: Record<string, string> = { ok: "up to date", failed: "failing", running: "syncing", idle: "idle", partial: "catching up" };
const ERROR_STATUS_LABEL: Record<string, string> = { pending: "will retry", retrying: "retrying", dead_letter: "gave up", resolved: "resolved" };

// Every button here submits through its own fetcher (posting to the Operations page's action), so
// its answer shows beside it.

export function ConnectorsPanel({ sources, state, errors, canMutate }: { sources: Source[]; state: State[]; errors: ErrorRow[]; canMutate: boolean }) {
  const bound = sources.filter((s) => KIND_TO_CONNECTOR[s.kind]);
  const open = errors.filter((e) => e.status !== "resolved");
  const syncAll = useFetcher();
  const retry = useFetcher();
  return (
    <section aria-labelledby="connectors-heading" className="space-y-3">
      <div className="flex flex-wrap items-center gap-3">
        <h2 id="connectors-heading" className="text-lg font-semibold">Connectors</h2>
        {canMutate && bound.length ? (
          <syncAll.Form method="post" className="flex flex-wrap items-center gap-2">
            <button name="intent" value="sync-all" disabled={syncAll.state !== "idle"} className="rounded-md bg-indigo-600 px-2 py-1 text-sm text-white hover:bg-indigo-500 disabled:opacity-60">Sync all now</button>
            <ActionResult fetcher={syncAll} className="mt-0" />
          </syncAll.Form>
        ) : null}
      </div>
      {bound.length === 0 ? <p className="text-sm text-slate-600">No Chatwoot, Linear or Attio account is connected to this project yet.</p> : (
        <ul className="grid gap-3 md:grid-cols-3">
          {bound.map((src) => {
            const name = KIND_TO_CONNECTOR[src.kind]!;
            return <ConnectorCard key={src.kind} name={name} src={src} st={state.find((x) => x.connector === name)} canMutate={canMutate} />;
          })}
        </ul>
      )}
      {open.length ? (
        <div className="rounded-lg border border-red-200 bg-red-50 p-3 text-sm" role="region" aria-label="Connector errors">
          <div className="flex flex-wrap items-center gap-3">
            <h3 className="font-semibold text-red-900">Connector errors</h3>
            {canMutate ? (
              <retry.Form method="post" className="flex flex-wrap items-center gap-2">
                <button name="intent" value="retry-errors" disabled={retry.state !== "idle"} className="rounded-md bg-red-700 px-2 py-1 text-xs text-white disabled:opacity-60">Retry now</button>
                <ActionResult fetcher={retry} className="mt-0" />
              </retry.Form>
            ) : null}
          </div>
          <ul className="mt-2 space-y-1">
            {open.map((e) => (
              <li key={e.id} data-error-status={e.status}>
                <span className="font-medium">{connectorName(e.connector)}</span> · {ERROR_STATUS_LABEL[e.status] ?? e.status.replace("_", " ")} · attempt {e.attempt} · <span title="error kind">{e.errorKind.replace(/_/g, " ")}</span>
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

function ConnectorCard({ name, src, st, canMutate }: { name: string; src: Source; st: State | undefined; canMutate: boolean }) {
  const sync = useFetcher();
  const meta = (st?.meta ?? {}) as { lastResult?: Record<string, number>; coverage?: { accountCoverage: number; dealCoverage: number; dealsWithBrokenCompanyLink: number }; resumeAt?: string; incompleteReason?: string };
  const status = st?.status ?? "idle";
  const lastResult = meta.lastResult ? describeCounters(meta.lastResult, `${name}_sync`, { max: 4 }) : "";
  return (
    <li className="rounded-lg bg-white p-3 text-sm ring-1 ring-slate-200" data-connector={name} data-status={status}>
      <div className="flex flex-wrap items-center gap-2">
        <span className="font-semibold">{connectorName(name)}</span>
        <span className={`rounded px-2 py-0.5 text-xs ${STATUS_STYLE[status] ?? ""}`} title={status}>{st ? STATUS_LABEL[status] ?? status : "never synced"}</span>
        {src.isDemo ? <span className="rounded bg-amber-100 px-2 py-0.5 text-xs text-amber-900" title="Data comes from a local simulator, not production">demo source</span> : null}
      </div>
      <p className="mt-1 text-xs text-slate-500">{src.externalId}</p>
      <dl className="mt-2 grid grid-cols-2 gap-x-2 text-xs">
        <dt className="text-slate-500">Last success</dt><dd><Time value={st?.lastSuccessAt ?? null} /></dd>
        <dt className="text-slate-500">Last attempt</dt><dd><Time value={st?.lastAttemptAt ?? null} /></dd>
        {status === "partial" && meta.resumeAt ? (<><dt className="text-slate-500" title={meta.incompleteReason}>Continues</dt><dd><Time value={meta.resumeAt} /></dd></>) : null}
        {meta.coverage ? (<><dt className="text-slate-500">Coverage</dt><dd>{Math.round(meta.coverage.accountCoverage * 100)}% accounts · {Math.round(meta.coverage.dealCoverage * 100)}% deals{meta.coverage.dealsWithBrokenCompanyLink ? ` · ${meta.coverage.dealsWithBrokenCompanyLink} broken links` : ""}</dd></>) : null}
      </dl>
      {lastResult ? <p className="mt-2 text-xs text-slate-600" data-last-result title={technicalCounters(meta.lastResult)}>Last sync: {lastResult}</p> : null}
      {st?.lastError ? <p className="mt-2 text-xs text-red-700">{st.lastError.slice(0, 300)}</p> : null}
      {canMutate ? (
        <sync.Form method="post" className="mt-2"><input type="hidden" name="connector" value={name} />
          <button name="intent" value="sync" disabled={sync.state !== "idle"} className="rounded-md px-2 py-1 text-xs ring-1 ring-slate-300 hover:bg-slate-100 disabled:opacity-60">Sync {connectorName(name)} now</button>
          <ActionResult fetcher={sync} />
        </sync.Form>
      ) : null}
    </li>
  );
}
