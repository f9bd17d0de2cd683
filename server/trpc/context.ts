import type { Request, Response } from "express";
import type pg from "pg";
import type { Db } from "../db.ts";
import type { Env } from "../env.ts";
import type { SessionAuth } from "../services/auth/sessions.ts";
import type { TokenAuth } from "../services/auth/tokens.ts";

export type Auth = SessionAuth | TokenAuth | null;

/** Everything a procedure needs that does not depend on HTTP: tests build this directly. */
export type InnerContext = {
  db: Db;
  pool: pg.Pool;
  env: Env;
  auth: Auth;
  requestId: string;
  ip: string;
  userAgent?: string;
  now: () => Date;
};

/** HTTP parts, present when the call came through Express (tRPC endpoint or a Remix loader/action). */
export type OuterContext = { req?: Request; res?: Response };

export type Context = InnerContext & OuterContext;

export function createInnerContext(input: Omit<InnerContext, "now" | "ip" | "requestId"> & Partial<Pick<InnerContext, "now" | "ip" | "requestId">>): InnerContext {
  return { now: () => new Date(), ip: "127.0.0.1", requestId: "internal", ...input };
}
