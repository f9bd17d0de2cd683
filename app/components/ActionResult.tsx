// The answer to a button pressed through a fetcher, shown right where it was pressed.

type Answer = { ok: true; data: { message: string } } | { ok: false; error: string; fieldErrors?: Record<string, string> };

const isAnswer = (v: unknown): v is Answer => typeof v === "object" && v !== null && "ok" in v;

/** Renders a fetcher's last answer (hidden while it submits again); `act()` results from app/utils/trpc.server.ts. */
export function ActionResult({ fetcher, className = "" }: { fetcher: { state: string; data?: unknown }; className?: string }) {
  if (fetcher.state === "submitting" || !isAnswer(fetcher.data)) return null;
  const a = fetcher.data;
  if (a.ok) return <p role="status" data-result="ok" className={`mt-1 rounded bg-emerald-50 px-2 py-1 text-xs text-emerald-800 ${className}`}>{a.data.message}</p>;
  const fields = Object.values(a.fieldErrors ?? {});
  return <p role="alert" data-result="error" className={`mt-1 rounded bg-red-50 px-2 py-1 text-xs text-red-800 ${className}`}>{fields.length ? fields.join("; ") : a.error}</p>;
}
