import type { Caller } from "../server/trpc/root.ts";
import type { Auth } from "../server/trpc/context.ts";

// What server/http/app.ts passes to every loader and action (types only: app/ never imports
// server code at runtime, the server hands it in).
declare module "@remix-run/node" {
  interface AppLoadContext {
    caller: Caller;
    auth: Auth;
    /** The request carried a session cookie whose session has expired or was revoked. */
    sessionExpired: boolean;
    requestId: string;
    cspNonce: string;
  }
}
export {};
