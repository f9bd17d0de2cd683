import type { Env } from "../../server/env.ts";
import type { SessionAuth } from "../../server/services/auth/sessions.ts";
import type { TokenAuth } from "../../server/services/auth/tokens.ts";
import { createInnerContext } from "../../server/trpc/context.ts";
import { appRouter, createCaller } from "../../server/trpc/root.ts";
import type { TestDb } from "./db.ts";

type UserRow = { id: string; email: string; name: string; workspaceId: string };

export const sessionAuth = (u: UserRow): SessionAuth => ({
  kind: "session", sessionId: `test-${u.id}`, activeProjectId: null, expiresAt: new Date(Date.now() + 3600_000),
  user: { id: u.id, email: u.email, name: u.name, workspaceId: u.workspaceId },
});

export const tokenAuth = (u: UserRow, opts: { projectId?: string | null; readOnly?: boolean } = {}): TokenAuth => ({
  kind: "token", tokenId: "00000000-0000-4000-8000-000000000000", projectId: opts.projectId ?? null, readOnly: opts.readOnly ?? false,
  user: { id: u.id, email: u.email, name: u.name, workspaceId: u.workspaceId },
});

export function callerAs(db: TestDb, env: Env, auth: SessionAuth | TokenAuth | null) {
  return createCaller(createInnerContext({ db: db.prisma, pool: db.pool, env, auth }));
}

export type ProcedureInfo = { path: string; type: "query" | "mutation" | "subscription"; projectScoped: boolean; minRole?: string };

/** Every procedure of the app router, read from the router itself so new ones are covered automatically. */
export function allProcedures(): ProcedureInfo[] {
  const procs = appRouter._def.procedures as unknown as Record<string, { _def: { type: ProcedureInfo["type"]; meta?: { projectScoped?: boolean; minRole?: string } } }>;
  return Object.entries(procs).map(([path, p]) => ({ path, type: p._def.type, projectScoped: Boolean(p._def.meta?.projectScoped), minRole: p._def.meta?.minRole }));
}

export function procedureAt(caller: unknown, path: string): (input?: unknown) => Promise<unknown> {
  return path.split(".").reduce((o, k) => (o as Record<string, unknown>)[k], caller) as (input?: unknown) => Promise<unknown>;
}

export async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return "OK";
  } catch (e) {
    return (e as { code?: string }).code ?? `THREW ${(e as Error).message}`;
  }
}
