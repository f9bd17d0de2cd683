import { useFetcher } from "@remix-run/react";
import { ActionResult } from "./ActionResult.tsx";
import { Time } from "./AppShell.tsx";
import { connectorName } from "../utils/jobs.ts";

export type WebhookRow = {
  connector: string; configured: boolean; url?: string; secret?: string; allowUnsigned: boolean;
  lastDeliveryAt: string | Date | null; lastAppliedAt: string | Date | null; waiting: number; deliveries24h: number; failures24h: number;
};

// Where each provider takes the URL and whose signing secret counts (docs/connectors.md, "Webhooks").
const HOW: Record<string, string> = {
  chatwoot: "Chatwoot: Settings → Integrations → Webhooks. Subscribe to message created and conversation status changed. Paste Chatwoot's webhook secret below.",
  linear: "Linear: Settings → API → Webhooks (Issues and Projects). Paste the signing secret Linear shows, or create the webhook over the API with the secret below.",
  attio: "Attio: developer settings → webhooks (record and note events). Paste the secret Attio shows when the webhook is created.",
};

/**
 * Webhooks on the Operations page: per connected source, when the last delivery came, how many are
 * waiting for their sync and how many were refused in 24 h; owners and PMs also get the URL and
 * secret to paste into the provider (the server does not send them to viewers at all).
 */
export function WebhooksPanel({ rows, canMutate }: { rows: WebhookRow[]; canMutate: boolean }) {
  if (rows.length === 0) return null;
  return (
    <section aria-labelledby="webhooks-heading" className="space-y-3">
      <h2 id="webhooks-heading" className="text-lg font-semibold">Webhooks</h2>
      <p className="text-sm text-slate-600">Changes arrive within seconds when the provider sends webhooks; the regular sync still runs as a safety net.</p>
      <ul className="grid gap-3 md:grid-cols-3">
        {rows.map((r) => <WebhookCard key={r.connector} row={r} canMutate={canMutate} />)}
      </ul>
    </section>
  );
}

function WebhookCard({ row, canMutate }: { row: WebhookRow; canMutate: boolean }) {
  const regenerate = useFetcher();
  const secret = useFetcher();
  return (
    <li className="rounded-lg bg-white p-3 text-sm ring-1 ring-slate-200" data-webhook={row.connector} data-configured={row.configured}>
      <div className="flex flex-wrap items-center gap-2">
        <span className="font-semibold">{connectorName(row.connector)}</span>
        <span className={`rounded px-2 py-0.5 text-xs ${!row.configured ? "bg-slate-100 text-slate-700" : row.failures24h ? "bg-amber-100 text-amber-900" : "bg-emerald-100 text-emerald-800"}`}>
          {!row.configured ? "not set up" : row.failures24h ? `${row.failures24h} refused in 24 h` : "receiving"}
        </span>
      </div>
      <dl className="mt-2 grid grid-cols-2 gap-x-2 text-xs">
        <dt className="text-slate-500">Last delivery</dt><dd><Time value={row.lastDeliveryAt} /></dd>
        <dt className="text-slate-500">Last applied</dt><dd><Time value={row.lastAppliedAt} /></dd>
        <dt className="text-slate-500">Last 24 h</dt><dd>{row.deliveries24h} received · {row.failures24h} refused</dd>
        {row.waiting ? (<><dt className="text-slate-500">Waiting</dt><dd>{row.waiting} for their sync</dd></>) : null}
      </dl>
      {row.url ? (
        <div className="mt-2 space-y-1 text-xs">
          <label className="block text-slate-500">URL<input readOnly value={row.url} className="mt-0.5 w-full rounded border border-slate-300 px-1 font-mono" onFocus={(e) => e.currentTarget.select()} /></label>
          <label className="block text-slate-500">Signing secret<input readOnly value={row.secret ?? ""} className="mt-0.5 w-full rounded border border-slate-300 px-1 font-mono" onFocus={(e) => e.currentTarget.select()} /></label>
          <p className="text-slate-500">{HOW[row.connector]}</p>
        </div>
      ) : null}
      {canMutate ? (
        <>
          <regenerate.Form method="post" className="mt-2"
            onSubmit={(e) => { if (row.configured && !confirm("The current URL and secret stop working at once. Regenerate?")) e.preventDefault(); }}>
            <input type="hidden" name="connector" value={row.connector} />
            <button name="intent" value="webhook-regenerate" disabled={regenerate.state !== "idle"} className="rounded-md px-2 py-1 text-xs ring-1 ring-slate-300 hover:bg-slate-100 disabled:opacity-60">
              {row.configured ? "Regenerate URL and secret" : "Set up webhook"}
            </button>
            <ActionResult fetcher={regenerate} />
          </regenerate.Form>
          {row.configured ? (
            <secret.Form method="post" className="mt-2 space-y-1 text-xs">
              <input type="hidden" name="connector" value={row.connector} />
              <label className="block text-slate-500">Provider's signing secret
                <input name="secret" type="password" autoComplete="off" minLength={16} className="mt-0.5 w-full rounded border border-slate-300 px-1" />
              </label>
              {row.connector === "chatwoot" ? (
                <label className="flex items-center gap-1"><input type="checkbox" name="allowUnsigned" value="true" defaultChecked={row.allowUnsigned} /> Accept unsigned deliveries (Chatwoot before signed webhooks; the URL alone authenticates)</label>
              ) : null}
              <button name="intent" value="webhook-secret" disabled={secret.state !== "idle"} className="rounded-md px-2 py-1 ring-1 ring-slate-300 hover:bg-slate-100 disabled:opacity-60">Save</button>
              <ActionResult fetcher={secret} />
            </secret.Form>
          ) : null}
        </>
      ) : null}
    </li>
  );
}
