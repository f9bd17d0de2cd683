import type { Db } from "../../db.ts";
import type { HttpClient } from "./http-client.ts";

export type ConnectorName = "chatwoot" | "linear" | "attio";

/** Per-source request limits (project_sources.config.limits), over the provider's defaults. */
export type SourceLimits = { ratePerSecond?: number; requestBudget?: number };

export type BoundSource = { externalId: string; baseUrl: string; token: string; isDemo: boolean; limits: SourceLimits };

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
  /**
   * Set when the run stopped before the end (its request budget spent, or the provider's limit
   * reached): `cursor` then holds the place to resume from, and the next run starts after `resumeAfterMs`.
   */
  incomplete?: { reason: string; resumeAfterMs: number };
};
