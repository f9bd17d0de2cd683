import { z } from "zod";
import type { Db } from "../../db.ts";
import type { Env } from "../../env.ts";
import { createHttpClient } from "./http-client.ts";
import { resolveSource } from "./sources.ts";
import { httpOptionsFor } from "./sync.ts";

// Writing to a project's Linear workspace (creating tasks) and what that needs to know first (its
// teams): GraphQL calls with the project's binding, one retry, answers validated.

export const TEAMS_QUERY = /* GraphQL */ `query Teams { teams(first: 50) { nodes { id name } } }`;
/** Creating a task; the issue id is the action run's id, so a retry after a crash finds what it created. */
export const ISSUE_CREATE_MUTATION = /* GraphQL */ `
  mutation CreateTask($input: IssueCreateInput!) { issueCreate(input: $input) { success issue { id identifier url } } }`;
export const ISSUE_LOOKUP_QUERY = /* GraphQL */ `query TaskById($id: String!) { issue(id: $id) { id identifier url } }`;

/** The variables each document is sent with (the complexity test computes them with these). */
export const LINEAR_OUTBOUND_VARIABLES: Record<string, Record<string, unknown>> = {
  Teams: {},
  CreateTask: { input: { id: "id", teamId: "team", title: "title", priority: 1, dueDate: "2026-01-01", description: "text" } },
  TaskById: { id: "id" },
};
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
  const res = await post(TEAMS_QUERY, {}, z.object({ teams: z.object({ nodes: z.array(z.object({ id: z.string(), name: z.string() })) }) }));
  return res.data?.teams.nodes ?? [];
}
