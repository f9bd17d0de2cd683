import type { Db } from "../../db.ts";
import { NotFoundError } from "../../errors.ts";
import { randomToken, sha256Hex } from "./crypto.ts";
import type { AuthUser } from "./sessions.ts";

export const TOKEN_PREFIX = "ct_";

export type TokenAuth = { kind: "token"; tokenId: string; user: AuthUser; projectId: string | null; readOnly: boolean };

export type ApiTokenView = {
  id: string;
  name: string;
  prefix: string;
  projectId: string | null;
  readOnly: boolean;
  createdAt: Date;
  lastUsedAt: Date | null;
  expiresAt: Date | null;
  revokedAt: Date | null;
};

const view = (t: ApiTokenView): ApiTokenView => ({
  id: t.id, name: t.name, prefix: t.prefix, projectId: t.projectId, readOnly: t.readOnly,
  createdAt: t.createdAt, lastUsedAt: t.lastUsedAt, expiresAt: t.expiresAt, revokedAt: t.revokedAt,
});

/** Creates a token; the plaintext is returned once and never stored. */
export async function createApiToken(
  db: Db,
  input: { userId: string; name: string; projectId?: string | null; readOnly?: boolean; expiresAt?: Date | null },
): Promise<{ token: string; apiToken: ApiTokenView }> {
  const token = `${TOKEN_PREFIX}${randomToken(32)}`;
  const row = await db.apiToken.create({
    data: {
      userId: input.userId,
      name: input.name,
      projectId: input.projectId ?? null,
      readOnly: input.readOnly ?? false,
      expiresAt: input.expiresAt ?? null,
      tokenHash: sha256Hex(token),
      prefix: token.slice(0, TOKEN_PREFIX.length + 6),
    },
  });
  return { token, apiToken: view(row) };
}

export async function resolveApiToken(db: Db, token: string, now: Date): Promise<TokenAuth | null> {
  if (!token.startsWith(TOKEN_PREFIX) || token.length > 200) return null;
  const row = await db.apiToken.findUnique({ where: { tokenHash: sha256Hex(token) }, include: { user: true } });
  if (!row || row.revokedAt || row.user.disabledAt || (row.expiresAt && row.expiresAt <= now)) return null;
  // Coarse last-used stamp: one write per token per minute at most.
  if (!row.lastUsedAt || now.getTime() - row.lastUsedAt.getTime() > 60_000) {
    await db.apiToken.update({ where: { id: row.id }, data: { lastUsedAt: now } });
  }
  const { user } = row;
  return {
    kind: "token",
    tokenId: row.id,
    projectId: row.projectId,
    readOnly: row.readOnly,
    user: { id: user.id, email: user.email, name: user.name, workspaceId: user.workspaceId },
  };
}

export async function listApiTokens(db: Db, userId: string): Promise<ApiTokenView[]> {
  const rows = await db.apiToken.findMany({ where: { userId }, orderBy: { createdAt: "desc" } });
  return rows.map(view);
}

export async function revokeApiToken(db: Db, input: { userId: string; tokenId: string; now: Date }): Promise<ApiTokenView> {
  const row = await db.apiToken.findFirst({ where: { id: input.tokenId, userId: input.userId } });
  if (!row) throw new NotFoundError("API token not found");
  const updated = row.revokedAt ? row : await db.apiToken.update({ where: { id: row.id }, data: { revokedAt: input.now } });
  return view(updated);
}
