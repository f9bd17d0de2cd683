import { z } from "zod";
import { ForbiddenError } from "../../errors.ts";
import { recordAudit } from "../../services/audit.ts";
import { canonicalTimeZone, getPreferences, isSupportedCurrency, setTimeZone, setWorkspaceCurrency } from "../../services/auth/preferences.ts";
import { authedProcedure, router } from "../init.ts";

// The signed-in user's time zone and the workspace currency. Not project-scoped: they belong to the
// user and the workspace (see the NOT_PROJECT_SCOPED list in security.test.ts).

/** A read-only API token reads preferences but never changes them. */
const writable = authedProcedure.use(({ ctx, next }) => {
  if (ctx.auth.kind === "token" && ctx.auth.readOnly) throw new ForbiddenError("This API token is read-only");
  return next();
});

const timeZoneInput = z
  .string({ message: "timeZone must be a string such as Europe/Berlin" })
  .trim()
  .min(1, "Pick a time zone")
  .max(64, "timeZone is too long: use an IANA name such as Europe/Berlin")
  .transform((value, ctx) => {
    const zone = canonicalTimeZone(value);
    if (!zone) {
      ctx.issues.push({ code: "custom", message: `Unknown time zone "${value}": use an IANA name such as Europe/Berlin`, input: value });
      return z.NEVER;
    }
    return zone;
  });

const currencyInput = z
  .string({ message: "currency must be an ISO 4217 code such as EUR" })
  .trim()
  .toUpperCase()
  .refine((v) => isSupportedCurrency(v), { message: "Unknown currency: use an ISO 4217 code such as USD, EUR or GBP" });

export const preferencesRouter = router({
  /** The caller's stored and effective time zone, the workspace currency and whether they may change it. */
  get: authedProcedure.query(({ ctx }) => getPreferences(ctx.db, ctx.user.id)),

  /**
   * Stores the caller's time zone. `source: "browser"` is the page reporting the browser's zone on
   * the first visit: it only fills an empty value and never overrides one the user picked.
   */
  setTimeZone: writable
    .input(z.object({ timeZone: timeZoneInput, source: z.enum(["user", "browser"], { message: "source must be user or browser" }).default("user") }))
    .mutation(async ({ ctx, input }) => {
      const res = await setTimeZone(ctx.db, { userId: ctx.user.id, timeZone: input.timeZone, onlyIfUnset: input.source === "browser" });
      if (res.changed) {
        await recordAudit(ctx.db, { actor: ctx.actor, action: "user.time_zone_changed", entityType: "user", entityId: ctx.user.id, requestId: ctx.requestId, payload: { from: res.before, to: res.timeZone, source: input.source } });
      }
      return { timeZone: res.timeZone, changed: res.changed };
    }),

  /** Changes the workspace currency (owners of a project in the workspace; not a project-restricted token). */
  setCurrency: writable
    .input(z.object({ currency: currencyInput }))
    .mutation(async ({ ctx, input }) => {
      if (ctx.auth.kind === "token" && ctx.auth.projectId) throw new ForbiddenError("A token restricted to one project cannot change workspace settings");
      const res = await setWorkspaceCurrency(ctx.db, { userId: ctx.user.id, workspaceId: ctx.user.workspaceId, currency: input.currency });
      if (res.changed) {
        await recordAudit(ctx.db, { actor: ctx.actor, action: "workspace.currency_changed", entityType: "workspace", entityId: ctx.user.workspaceId, requestId: ctx.requestId, payload: { from: res.before, to: res.currency } });
      }
      return { currency: res.currency, changed: res.changed };
    }),
});
