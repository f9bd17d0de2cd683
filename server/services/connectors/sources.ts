import type { Db } from "../../db.ts";
import type { Env } from "../../env.ts";
import { ConflictError } from "../../errors.ts";
import type { SourceKind } from "../../generated/prisma/enums.ts";
import { ConnectorError } from "./http-client.ts";
import { decryptSecret, encryptSecret } from "./secrets.ts";
import { z } from "zod";
import type { BoundSource, ConnectorName, SourceLimits } from "./types.ts";

const LimitsSchema = z.object({ ratePerSecond: z.number().positive().max(1000).optional(), requestBudget: z.number().int().positive().max(1_000_000).optional() });

/** The source's own request limits; unreadable settings are ignored (the provider defaults apply). */
export function sourceLimits(config: unknown): SourceLimits {
  const parsed = LimitsSchema.safeParse((config as { limits?: unknown } | null)?.limits ?? {});
  return parsed.success ? parsed.data : {};
}

export const SOURCE_KIND: Record<ConnectorName | "loops", SourceKind> = { chatwoot: "chatwoot_account", linear: "linear_workspace", attio: "attio_workspace", loops: "loops_account" };

/**
 * Binds a project to an external account/workspace. One external account belongs to one project:
 * binding it to a second project is refused (it would mix two clients' data).
 */
export async function bindSource(
  db: Db,
  env: Env,
  input: { projectId: string; connector: ConnectorName | "loops"; externalId: string; baseUrl?: string | null; token?: string | null; isDemo?: boolean; limits?: SourceLimits },
) {
  const kind = SOURCE_KIND[input.connector];
  const taken = await db.projectSource.findUnique({ where: { kind_externalId: { kind, externalId: input.externalId } } });
  if (taken && taken.projectId !== input.projectId) throw new ConflictError(`${input.connector}_bound_to_another_project`);
  const current = await db.projectSource.findUnique({ where: { projectId_kind: { projectId: input.projectId, kind } } });
  // A new token or new limits replace only themselves in the stored config.
  const config = {
    ...((current?.config as Record<string, unknown> | undefined) ?? {}),
    ...(input.token ? { token: encryptSecret(input.token, env.SESSION_SECRET) } : {}),
    ...(input.limits ? { limits: LimitsSchema.parse(input.limits) } : {}),
  };
  return db.projectSource.upsert({
    where: { projectId_kind: { projectId: input.projectId, kind } },
    create: { projectId: input.projectId, kind, externalId: input.externalId, baseUrl: input.baseUrl ?? null, isDemo: input.isDemo ?? false, config },
    update: { externalId: input.externalId, baseUrl: input.baseUrl ?? null, isDemo: input.isDemo ?? false, config },
  });
}

const ENV_DEFAULTS = (env: Env): Record<ConnectorName | "loops", { baseUrl?: string; token?: string }> => ({
  chatwoot: { baseUrl: env.CHATWOOT_BASE_URL, token: env.CHATWOOT_API_TOKEN },
  linear: { baseUrl: env.LINEAR_BASE_URL ?? "https://api.linear.app", token: env.LINEAR_API_TOKEN },
  attio: { baseUrl: env.ATTIO_BASE_URL ?? "https://api.attio.com", token: env.ATTIO_API_TOKEN },
  loops: { baseUrl: env.LOOPS_BASE_URL ?? "https://app.loops.so", token: env.LOOPS_SECRET_KEY },
});

/** The project's binding with a usable base URL and token (per-project token, else the env one). */
export async function resolveSource(db: Db, env: Env, projectId: string, connector: ConnectorName | "loops"): Promise<BoundSource> {
  const row = await db.projectSource.findUnique({ where: { projectId_kind: { projectId, kind: SOURCE_KIND[connector] } } });
  if (!row) throw new ConnectorError("not_configured", `${connector}_source_not_bound`);
  const defaults = ENV_DEFAULTS(env)[connector];
  const sealed = (row.config as { token?: string }).token;
  const token = sealed ? decryptSecret(sealed, env.SESSION_SECRET) : defaults.token;
  const baseUrl = row.baseUrl ?? defaults.baseUrl;
  if (!token || !baseUrl) throw new ConnectorError("not_configured", `${connector}_credentials_missing`);
  return { externalId: row.externalId, baseUrl, token, isDemo: row.isDemo, limits: sourceLimits(row.config) };
}

export async function boundConnectors(db: Db, projectId: string): Promise<ConnectorName[]> {
  const rows = await db.projectSource.findMany({ where: { projectId, kind: { in: ["chatwoot_account", "linear_workspace", "attio_workspace"] } } });
  const byKind: Record<string, ConnectorName> = { chatwoot_account: "chatwoot", linear_workspace: "linear", attio_workspace: "attio" };
  return rows.map((r) => byKind[r.kind]!).sort();
}
