// `prisma generate` without Prisma's native schema-engine download (unreachable on locked-down
// machines). The client we use (Prisma 7, WASM query compiler + @prisma/adapter-pg) needs no native
// binary; the CLI only checks that an engine file exists, so point it at one that does.
import { spawnSync } from "node:child_process";
import path from "node:path";

const env = { ...process.env };
env.PRISMA_SCHEMA_ENGINE_BINARY ||= process.execPath;
env.PRISMA_HIDE_UPDATE_MESSAGE = "1";
const bin = path.resolve("node_modules/.bin/prisma");
const res = spawnSync(bin, ["generate"], { stdio: "inherit", env });
process.exit(res.status ?? 1);
