import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { Link, Outlet, useActionData, useLoaderData, useMatches, useRevalidator, useSearchParams, type ShouldRevalidateFunction } from "@remix-run/react";
import { useEffect } from "react";
import { EmptyState } from "~/components/AppShell.tsx";
import type { DraftView } from "~/components/recommendations/ActionDraftPanel.tsx";
import { RecommendationCard } from "~/components/recommendations/RecommendationCard.tsx";
import { act, load, requireCaller } from "~/utils/trpc.server.ts";
import { useProject } from "~/utils/project.ts";

export async function loader({ context, request, params }: LoaderFunctionArgs) {
  const caller = requireCaller(context, request);
  const projectId = params.projectId!;
  const url = new URL(request.url);
  const includeHidden = url.searchParams.get("hidden") === "1";
  const includeInactive = url.searchParams.get("inactive") === "1";
  const [list, runs, followUps] = await Promise.all([
    load(request, () => caller.intelligence.recommendations({ projectId, includeHidden, includeInactive, includeActions: true, limit: 100 })),
    load(request, () => caller.intelligence.actionRuns({ projectId, limit: 200 })),
    load(request, () => caller.growth.followUps({ projectId, limit: 100 })),
  ]);
  // What the cited messages say, and who decided it (a model or a person), for the evidence lists.
  const cited = [...new Set(list.items.flatMap((r) => (r.evidenceRefs as { kind: string; id: string }[]).filter((e) => e.kind === "message" && /^\d+$/.test(e.id)).map((e) => e.id)))].slice(0, 500);
  const understood = cited.length ? await load(request, () => caller.understanding.forMessages({ projectId, messageIds: cited })) : {};
  return { items: list.items, runs, followUps, understood, includeHidden, includeInactive, today: new Date().toISOString().slice(0, 10) };
}

const str = (form: FormData, k: string) => {
  const v = form.get(k);
  return typeof v === "string" && v.trim() ? v : undefined;
};

export async function action({ context, request, params }: ActionFunctionArgs) {
  const caller = requireCaller(context, request);
  const projectId = params.projectId!;
  const form = await request.formData();
  const id = String(form.get("id") ?? "");
  switch (form.get("intent")) {
    case "status": {
      const status = String(form.get("status"));
      return act(request, async () => {
        await caller.intelligence.setStatus({ projectId, id, status: status as never });
        return { message: status === "done" ? "Marked done" : status === "dismissed" ? "Dismissed" : status === "acknowledged" ? "Acknowledged" : `Marked ${status}` };
      });
    }
    case "feedback":
      return act(request, async () => {
        await caller.intelligence.feedback({ projectId, id, helpful: String(form.get("helpful")) as never, note: str(form, "note") });
        return { message: "Thanks — feedback saved" };
      });
    case "act": {
      const type = String(form.get("type"));
      const payload =
        type === "send_message" ? { content: str(form, "content"), conversationId: Number(form.get("conversationId")) || undefined }
        : type === "create_or_update_task" ? { title: str(form, "title"), description: str(form, "description"), dueDate: str(form, "dueDate"), teamId: str(form, "teamId") }
        : { remindAt: new Date(Date.now() + 86_400_000).toISOString().slice(0, 13) + ":00:00Z" };
      return act(request, async () => {
        const r = await caller.intelligence.act({ projectId, id, type: type as never, payload });
        if (r.idempotent) return { message: type === "send_message" ? "This exact message was already sent — nothing was sent twice." : "Already done: the same action as before.", close: true };
        const message = type === "send_message" ? "Message on its way: the action log below shows it once Chatwoot has it." : type === "create_or_update_task" ? "Task requested: the action log below shows it once Linear has it." : "Reminder set for tomorrow.";
        return { message, close: true };
      });
    }
    case "retry-action":
      return act(request, async () => {
        await caller.intelligence.retryAction({ projectId, runId: String(form.get("runId")) });
        return { message: "Retrying now" };
      });
    case "follow-up-start": {
      const steps = [0, 1, 2, 3, 4].filter((i) => form.has(`step${i}`)).map((i) => ({ afterHours: Number(form.get(`after${i}`)), content: String(form.get(`step${i}`) ?? "") }));
      return act(request, async () => {
        const r = await caller.growth.startFollowUp({ projectId, recommendationId: id, conversationId: Number(form.get("conversationId")) || undefined, steps });
        return { message: r.idempotent ? "A follow-up sequence already runs in that conversation" : "Sequence started: each reminder goes out only if the client has not answered by then.", close: true };
      });
    }
    case "follow-up-cancel":
      return act(request, async () => {
        await caller.growth.cancelFollowUp({ projectId, id: String(form.get("campaignId") ?? "") });
        return { message: "Follow-up sequence cancelled" };
      });
    case "shown":
      return act(request, async () => {
        await caller.intelligence.shown({ projectId, id });
        return { message: "" };
      });
    default:
      throw new Response("Unknown action", { status: 400 });
  }
}

// Recording a view changes nothing on the page: no reload for it.
export const shouldRevalidate: ShouldRevalidateFunction = ({ formData, defaultShouldRevalidate }) => (formData?.get("intent") === "shown" ? false : defaultShouldRevalidate);

const LIVE_EVERY_MS = 2_500;

export default function Recommendations() {
  const project = useProject();
  const { items, runs, followUps, understood, includeHidden, includeInactive, today } = useLoaderData<typeof loader>();
  // The draft open on one card, from the child route /recommendations/<id>/<kind>.
  const draft = useMatches().find((m) => m.id === "routes/projects.$projectId.recommendations.$recId.$kind")?.data as (DraftView & { recId: string }) | undefined;
  const result = useActionData<typeof action>();
  const [params] = useSearchParams();
  const canAct = project.role !== "viewer";
  const revalidator = useRevalidator();
  // While an action is queued or running, its state follows without a reload.
  const inFlight = runs.some((r) => r.status === "pending" || r.status === "running" || r.status === "failed");
  useEffect(() => {
    if (!inFlight) return;
    const t = setInterval(() => revalidator.state === "idle" && revalidator.revalidate(), LIVE_EVERY_MS);
    return () => clearInterval(t);
  }, [inFlight, revalidator]);
  const toggle = (key: string, on: boolean) => {
    const p = new URLSearchParams(params);
    if (on) p.delete(key);
    else p.set(key, "1");
    return `?${p.toString()}`;
  };
  return (
    <div className="space-y-4">
      <div className="flex flex-wrap items-end justify-between gap-2">
        <div>
          <h1 className="text-2xl font-bold">Recommendations</h1>
          <p className="text-sm text-slate-600">Next-best actions for {project.name}, most urgent first. Each says why, with the messages, issues and deals behind it.</p>
        </div>
        <div className="flex flex-wrap gap-3 text-sm">
          <Link className="underline" to={toggle("hidden", includeHidden)}>{includeHidden ? "Hide held-back ones" : "Show held-back ones"}</Link>
          <Link className="underline" to={toggle("inactive", includeInactive)}>{includeInactive ? "Hide ones that no longer apply" : "Show ones that no longer apply"}</Link>
        </div>
      </div>
      {/* Without JavaScript forms post the whole page: their result shows here. */}
      {result && "ok" in result && !result.ok ? <p role="alert" className="rounded bg-rose-50 p-2 text-sm text-rose-800">{result.error}</p> : null}
      {result && "ok" in result && result.ok && result.data.message ? <p role="status" className="rounded bg-emerald-50 p-2 text-sm text-emerald-800">{result.data.message}</p> : null}
      {items.length === 0 ? (
        <EmptyState title="Nothing needs your attention">No recommendation applies to this project right now. They are refreshed after every sync and every 15 minutes from the conversations, issues and deals.</EmptyState>
      ) : (
        <ol className="space-y-3" aria-label="Recommendations by priority">
          {items.map((r) => (
            <RecommendationCard key={r.id} rec={r} canAct={canAct} today={today} understood={understood}
              runs={runs.filter((x) => x.recommendationId === r.id)} followUps={followUps.filter((f) => f.recommendationId === r.id)}
              draft={draft?.recId === r.id ? draft : null} />
          ))}
        </ol>
      )}
      <Outlet />
    </div>
  );
}

export { RouteErrorBoundary as ErrorBoundary } from "~/components/RouteError.tsx";
