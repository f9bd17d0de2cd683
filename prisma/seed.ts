import { createDb } from "../server/db.ts";
import { parseEnv } from "../server/env.ts";
import { DEMO_PASSWORD, DEMO_USERS, seedDemoWorkspace } from "../server/services/seed/demo-workspace.ts";

const env = parseEnv();
const { prisma, close } = createDb(env.DATABASE_URL, 4);
try {
  const res = await seedDemoWorkspace(prisma, { now: new Date(), env });
  console.log(res.created ? `seeded the demo workspace (${res.projectIds.length} projects)` : "demo workspace already present: left as it is");
  console.log(`demo sign-in: ${DEMO_USERS.map((u) => u.email).join(", ")} / password: ${DEMO_PASSWORD}`);
} finally {
  await close();
}
