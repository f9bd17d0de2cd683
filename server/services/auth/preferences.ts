import type { Db } from "../../db.ts";
import { ForbiddenError, NotFoundError } from "../../errors.ts";

// How the product speaks to a person: the time zone times are shown in (per user) and the currency
// money is shown in (per workspace). The web app reads both in its root loader.

/** IANA zones this runtime knows, plus "UTC" (which Intl lists only under its aliases' canonical name). */
const SUPPORTED_ZONES: ReadonlySet<string> = new Set(["UTC", ...Intl.supportedValuesOf("timeZone")]);
const SUPPORTED_CURRENCIES: ReadonlySet<string> = new Set(Intl.supportedValuesOf("currency"));

export const DEFAULT_TIME_ZONE = "UTC";

/**
 * The canonical name of a zone the runtime supports ("Asia/Kolkata" → "Asia/Calcutta", "Etc/UTC" →
 * "UTC"), or null. Browsers and servers may carry different ICU versions, so an alias the browser
 * reports is accepted when it resolves to a supported zone.
 */
export function canonicalTimeZone(value: string): string | null {
  if (!/^[A-Za-z0-9_+\-/]{1,64}$/.test(value)) return null;
  if (SUPPORTED_ZONES.has(value)) return value;
  try {
    const resolved = new Intl.DateTimeFormat("en", { timeZone: value }).resolvedOptions().timeZone;
    return SUPPORTED_ZONES.has(resolved) ? resolved : null;
  } catch {
    return null;
  }
}

export const isSupportedCurrency = (code: string) => /^[A-Z]{3}$/.test(code) && SUPPORTED_CURRENCIES.has(code);

export type Preferences = {
  /** What the user stored; null until the browser reported a zone or the user picked one. */
  timeZone: string | null;
  /** The zone to render in: the stored one, else UTC. */
  effectiveTimeZone: string;
  currency: string;
  /** Owners (of any project in the workspace) change the workspace currency. */
  canEditCurrency: boolean;
};

async function isWorkspaceOwner(db: Db, userId: string, workspaceId: string): Promise<boolean> {
  const n = await db.projectMembership.count({ where: { userId, role: "owner", project: { workspaceId } } });
  return n > 0;
}

export async function getPreferences(db: Db, userId: string): Promise<Preferences> {
  const user = await db.user.findUnique({ where: { id: userId }, select: { timeZone: true, workspaceId: true, workspace: { select: { currency: true } } } });
  if (!user) throw new NotFoundError("User not found");
  const stored = user.timeZone && canonicalTimeZone(user.timeZone);
  return {
    timeZone: user.timeZone,
    effectiveTimeZone: stored || DEFAULT_TIME_ZONE,
    currency: user.workspace.currency,
    canEditCurrency: await isWorkspaceOwner(db, userId, user.workspaceId),
  };
}

/**
 * Stores the user's zone (already canonical). `onlyIfUnset` is the browser's first report: it never
 * overrides a zone the user stored. Returns the zone before and after, and whether it changed.
 */
export async function setTimeZone(db: Db, input: { userId: string; timeZone: string; onlyIfUnset: boolean }): Promise<{ before: string | null; timeZone: string | null; changed: boolean }> {
  const user = await db.user.findUnique({ where: { id: input.userId }, select: { timeZone: true } });
  if (!user) throw new NotFoundError("User not found");
  if (input.onlyIfUnset) {
    // Conditional write: two tabs reporting at once store one zone, and a chosen zone is kept.
    const res = await db.user.updateMany({ where: { id: input.userId, timeZone: null }, data: { timeZone: input.timeZone } });
    return { before: user.timeZone, timeZone: res.count ? input.timeZone : user.timeZone, changed: res.count > 0 };
  }
  if (user.timeZone === input.timeZone) return { before: user.timeZone, timeZone: user.timeZone, changed: false };
  await db.user.update({ where: { id: input.userId }, data: { timeZone: input.timeZone } });
  return { before: user.timeZone, timeZone: input.timeZone, changed: true };
}

/** Changes the workspace currency; only an owner of one of its projects may. */
export async function setWorkspaceCurrency(db: Db, input: { userId: string; workspaceId: string; currency: string }): Promise<{ before: string; currency: string; changed: boolean }> {
  if (!(await isWorkspaceOwner(db, input.userId, input.workspaceId))) throw new ForbiddenError("Only a project owner can change the workspace currency");
  const ws = await db.workspace.findUnique({ where: { id: input.workspaceId }, select: { currency: true } });
  if (!ws) throw new NotFoundError("Workspace not found");
  if (ws.currency === input.currency) return { before: ws.currency, currency: ws.currency, changed: false };
  await db.workspace.update({ where: { id: input.workspaceId }, data: { currency: input.currency } });
  return { before: ws.currency, currency: input.currency, changed: true };
}
