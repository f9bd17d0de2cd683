import type { Db } from "../../db.ts";
import type { HttpClient } from "./http-client.ts";

export type ConnectorName = "chatwoot" | "linear" | "attio";

export type BoundSource = { externalId: string; baseUrl: string; token: string; isDemo: boolean };

export type SyncContext = {
  db: Db;
  projectId: string;
  source: BoundSource;
  cursor: Record<string, unknown>;
  now: Date;
  http: HttpClient;
};

export type SyncResult = {
  cursor: Record<string, unknown>;
  counters: Record<string, number>;
  meta?: Record<string, unknown>;
};

// Message rules shared by ingest (events) and, later, signals.
export const APPROVAL_RE = /\b(approve|approval|sign[- ]?off)\b|апрув|подтверд|соглас(уйте|уем)/i;
export const SCOPE_RE = /out of scope|outside (the )?scope|change request|\badditional(ly)?\b|one more thing|вне скоупа|дополнительно|доработк/i;
export const NEED_RE = /\b(also need|we'?d (also )?need|new module|expand|upgrade|add-on|another (app|site|module)|mobile app)\b/i;
