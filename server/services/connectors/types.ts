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
