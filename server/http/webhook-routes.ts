import express, { type NextFunction, type Request, type Response } from "express";
import type { Db } from "../db.ts";
import type { Env } from "../env.ts";
import type { Logger } from "../logger.ts";
import { receiveWebhook } from "../services/webhooks/receive.ts";

export const WEBHOOK_BODY_LIMIT = "1mb";

/**
 * Provider webhooks: POST /webhooks/<chatwoot|linear|attio>/<token>. Mounted before the request
 * logger, sessions, CSRF and the JSON parser: signatures are over the raw bytes, providers have no
 * session, and the token in the path is a credential that must not reach the access log (this
 * router logs the connector and outcome instead).
 */
export function webhookRoutes(deps: { db: Db; env: Env; logger: Logger }) {
  const r = express.Router();
  r.post("/webhooks/:connector/:token", express.raw({ type: () => true, limit: WEBHOOK_BODY_LIMIT }), async (req: Request, res: Response, next: NextFunction) => {
    const t0 = performance.now();
    try {
      const out = await receiveWebhook(deps.db, deps.env, {
        connector: String(req.params.connector), token: String(req.params.token), headers: req.headers, ip: req.ip ?? "unknown", now: new Date(),
        raw: Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0),
      });
      const ms = Math.round((performance.now() - t0) * 10) / 10;
      // How long the receiver took, body read to answer (what the < 50 ms target is about; the bench reads it).
      res.setHeader("server-timing", `receive;dur=${ms}`);
      res.status(out.status).json({ ...out.body, request_id: req.requestId });
      deps.logger[out.status >= 400 ? "warn" : "info"]({ requestId: req.requestId, connector: req.params.connector, status: out.status, ms, ...out.body }, "webhook");
    } catch (e) {
      next(e);
    }
  });
  return r;
}
