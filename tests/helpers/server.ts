import type { AddressInfo } from "node:net";
import type { Server } from "node:http";
import type { ServerBuild } from "@remix-run/node";
import { createApp } from "../../server/http/app.ts";
import { createLogger } from "../../server/logger.ts";
import type { Env } from "../../server/env.ts";
import type { TestDb } from "./db.ts";

/** The real Express app on 127.0.0.1 with an ephemeral port. */
export async function startServer(db: TestDb, env: Env, remixBuild?: ServerBuild) {
  const { app } = createApp({ db: db.prisma, pool: db.pool, env, logger: createLogger("silent", "test"), remixBuild });
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, "127.0.0.1", () => resolve(s));
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
