import { redirect, type ActionFunctionArgs } from "@remix-run/node";

// Logging out changes state, so it is a POST only; a GET just goes back.
export const loader = () => redirect("/projects");

export async function action({ context }: ActionFunctionArgs) {
  if (context.auth) await context.caller.auth.logout();
  throw redirect("/login");
}
