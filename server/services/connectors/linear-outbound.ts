import { z } from "zod";
import type { Db } from "../../db.ts";
import type { Env } from "../../env.ts";
import { createHttpClient } from "./http-client.ts";
import { resolveSource } from "./sources.ts";
import { httpOptionsFor } from "./sync.ts";

// Writing to a project's Linear workspace (creating tasks) and what that needs to know first (its
// teams): GraphQL calls with the project's binding, one retry, answers validated.

const TEAMS = /* GraphQL */ `query Teams { teams(first: 50) { nodes { id name } } }`;
const gql = <T extends z.ZodType>(data: T) => z.object({ data: data.nullable(), errors: z.array(z.object({ message: z.string() })).optional() });

/** A GraphQL caller bound to the project's Linear workspace. */
export async function linearGraphql(db: Db, env: Env, projectId: string) {
  const source = await resolveSource(db, env, projectId, "linear");
  const http = createHttpClient(httpOptionsFor("linear", source, { maxRetries: 1 }));
  return async <T extends z.ZodType>(query: string, variables: Record<string, unknown>, schema: T) =>
    (await http.request("POST", "graphql", { body: { query, variables }, schema: gql(schema) })).data;
}

/** The Linear teams a task can be created in. */
export async function linearTeams(db: Db, env: Env, projectId: string): Promise<{ id: string; name: string }[]> {
  const post = await linearGraphql(db, env, projectId);
  const res = await post(TEAMS, {}, z.object({ teams: z.object({ nodes: z.array(z.object({ id: z.string(), name: z.string() })) }) }));
  return res.data?.teams.nodes ?? [];
}
