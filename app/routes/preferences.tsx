import { json, redirect, type ActionFunctionArgs } from "@remix-run/node";
import { act, requireCaller } from "~/utils/trpc.server.ts";

// Where the page reports the browser's time zone on a signed-in user's first visit (app/root.tsx).
// The Settings page changes zone and currency through its own action.

export const loader = () => redirect("/projects");

export async function action({ context, request }: ActionFunctionArgs) {
  const caller = requireCaller(context, request);
  const form = await request.formData();
  if (form.get("intent") !== "detect-time-zone") return json({ ok: false as const, error: "Unknown action", fieldErrors: {} }, { status: 400 });
  const result = await act(request, () => caller.preferences.setTimeZone({ timeZone: String(form.get("timeZone") ?? ""), source: "browser" }));
  return json(result, { status: result.ok ? 200 : 400 });
}
