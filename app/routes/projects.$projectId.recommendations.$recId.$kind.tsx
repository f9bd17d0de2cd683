import type { LoaderFunctionArgs } from "@remix-run/node";
import type { ShouldRevalidateFunction } from "@remix-run/react";
import { load, requireCaller } from "~/utils/trpc.server.ts";

// The editable draft of an action on one recommendation (/recommendations/<id>/message|sequence|task).
// Its own route, so the draft is written once when it is opened — not again on every revalidation
// of the list (each status change, and the live polling while an action runs): a draft may cost a
// language-model call and a request to Linear. The card of that recommendation shows it.

const KINDS = { message: "send_message", sequence: "send_message", task: "create_or_update_task" } as const;
export type DraftKind = keyof typeof KINDS;

export async function loader({ context, request, params }: LoaderFunctionArgs) {
  const caller = requireCaller(context, request);
  const kind = params.kind ?? "";
  if (!Object.hasOwn(KINDS, kind)) throw new Response("Unknown kind of draft", { status: 404 });
  const recId = params.recId ?? "";
  try {
    const draft = await load(request, () => caller.intelligence.draftAction({ projectId: params.projectId!, id: recId, type: KINDS[kind as DraftKind] }));
    return { recId, kind: kind as DraftKind, draft, error: null };
  } catch (e) {
    if (e instanceof Response && e.status !== 400 && e.status !== 409) throw e;
    // A draft that cannot be made (no conversation to reply in, Linear unreachable) says why in the card.
    const message = e instanceof Response ? await e.text() : e instanceof Error ? e.message : "this draft could not be prepared";
    return { recId, kind: kind as DraftKind, draft: null, error: message };
  }
}

export const shouldRevalidate: ShouldRevalidateFunction = ({ currentUrl, nextUrl }) => currentUrl.pathname !== nextUrl.pathname;

export default function Draft() {
  // Rendered inside its recommendation's card by the list (useMatches), not here.
  return null;
}
