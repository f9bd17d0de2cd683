// A typed tRPC client for Control Tower, authenticated with an API token.
// Create a token in Settings → API tokens, then:
//   CONTROL_TOWER_URL=http://localhost:3000 CONTROL_TOWER_TOKEN=ct_... npx tsx docs/examples/typed-client.ts
// Types come from the server's AppRouter (type-only import: nothing of the server runs here).
import { createTRPCClient, httpBatchLink } from "@trpc/client";
import type { AppRouter } from "../../server/trpc/root.ts";

export function controlTowerClient(baseUrl: string, token: string) {
  return createTRPCClient<AppRouter>({
    links: [httpBatchLink({ url: `${baseUrl.replace(/\/$/, "")}/api/trpc`, headers: () => ({ authorization: `Bearer ${token}` }) })],
  });
}

/** Lists the token's projects and each project's scheduled jobs. */
export async function summary(baseUrl: string, token: string) {
  const client = controlTowerClient(baseUrl, token);
  const me = await client.auth.me.query();
  const projects = await client.projects.list.query();
  const jobs = await Promise.all(projects.map((p) => client.jobs.scheduled.query({ projectId: p.id })));
  return { user: me.user.email, projects: projects.map((p, i) => ({ name: p.name, role: p.role, scheduledJobs: jobs[i]!.length })) };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const url = process.env.CONTROL_TOWER_URL ?? "http://localhost:3000";
  const token = process.env.CONTROL_TOWER_TOKEN;
  if (!token) {
    console.error("Set CONTROL_TOWER_TOKEN to an API token (Settings → API tokens).");
    process.exit(1);
  }
  console.log(JSON.stringify(await summary(url, token), null, 2));
}
