import { redirect, type ActionFunctionArgs } from "@remix-run/node";
import { load, requireCaller } from "~/utils/trpc.server.ts";

export const loader = () => redirect("/projects");

export async function action({ request, context }: ActionFunctionArgs) {
  const caller = requireCaller(context, request);
  const projectId = String((await request.formData()).get("projectId") ?? "");
  await load(request, () => caller.projects.select({ projectId }));
  throw redirect(`/projects/${projectId}`);
}
