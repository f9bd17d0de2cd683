import fs from "node:fs";
import path from "node:path";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import { envSchema } from "../server/env.ts";

const ROOT = path.resolve(import.meta.dirname, "..");
const read = (f: string) => fs.readFileSync(path.join(ROOT, f), "utf8");
const exampleKeys = read(".env.example").split("\n").filter((l) => /^[A-Z][A-Z0-9_]*=/.test(l)).map((l) => l.split("=")[0]!);
const schemaKeys = Object.keys((envSchema as unknown as { in?: { shape: object }; shape?: object }).in?.shape ?? (envSchema as unknown as { shape: object }).shape);

describe(".env.example", () => {
  it("documents exactly the variables server/env.ts reads", () => {
    expect(schemaKeys.length).toBeGreaterThan(30);
    expect([...exampleKeys].sort()).toEqual([...schemaKeys].sort());
  });

  it("parses as a valid environment", async () => {
    const { parseEnv } = await import("../server/env.ts");
    const values = Object.fromEntries(read(".env.example").split("\n").filter((l) => /^[A-Z]/.test(l)).map((l) => [l.split("=")[0]!, l.slice(l.indexOf("=") + 1)]));
    expect(() => parseEnv(values)).not.toThrow();
  });

  it("covers every variable named in SPEC Part A §4", () => {
    for (const k of ["KAG_ENABLED", "RECOMMENDATIONS_ENABLED", "KAG_SNAPSHOTS_ENABLED", "KAG_FORECASTING_ENABLED", "KAG_RECOMMENDATIONS_V2_ENABLED",
      "RECOMMENDATIONS_V2_LLM_TOP_N", "CONNECTOR_MODE", "CONNECTOR_MAX_RETRIES", "CONNECTOR_RETRY_BASE_SECONDS", "KAG_EVENT_LOG_LOOKBACK_DAYS",
      "DATABASE_URL", "SESSION_SECRET", "CORS_ORIGIN", "OPENAI_API_KEY", "CHATWOOT_BASE_URL", "CHATWOOT_API_TOKEN", "CHATWOOT_ACCOUNT_ID",
      "LINEAR_BASE_URL", "LINEAR_API_TOKEN", "LINEAR_WORKSPACE_ID", "ATTIO_BASE_URL", "ATTIO_API_TOKEN", "ATTIO_WORKSPACE_ID", "LOOPS_SECRET_KEY"]) {
      expect(exampleKeys).toContain(k);
    }
  });
});

describe("docker-compose.yml", () => {
  const compose = parse(read("docker-compose.yml")) as { services: Record<string, { image?: string; build?: unknown; command?: string[]; environment?: Record<string, string>; healthcheck?: { test: string[] }; depends_on?: Record<string, { condition: string }>; volumes?: string[] }> };
  const s = compose.services;

  it("has db, migrate, web and worker", () => {
    expect(Object.keys(s).sort()).toEqual(["db", "migrate", "web", "worker"]);
  });

  it("db is a pgvector PostgreSQL with a healthcheck and a volume", () => {
    expect(s.db!.image).toMatch(/^pgvector\/pgvector:pg1[5-9]$/);
    expect(s.db!.healthcheck!.test.join(" ")).toContain("pg_isready");
    expect(s.db!.volumes![0]).toMatch(/^pgdata:/);
  });

  it("migrate runs Prisma Migrate and Graphile Worker's schema; web and worker wait for it", () => {
    expect(s.migrate!.build).toBe(".");
    expect(s.migrate!.command!.join(" ")).toContain("prisma migrate deploy");
    expect(s.migrate!.command!.join(" ")).toContain("graphile-worker --schema-only");
    for (const svc of ["web", "worker"]) {
      expect(s[svc]!.depends_on!.migrate!.condition).toBe("service_completed_successfully");
      expect(s[svc]!.image).toBe(s.migrate!.image);
      expect(s[svc]!.healthcheck).toBeTruthy();
    }
    expect(s.web!.command).toEqual(["node", "--import", "tsx", "server/http/main.ts"]);
    expect(s.worker!.command).toEqual(["node", "--import", "tsx", "jobs/worker.ts"]);
    for (const svc of ["migrate", "web", "worker"]) {
      for (const part of s[svc]!.command!.filter((c) => c.endsWith(".ts") || c.endsWith(".mjs"))) expect(fs.existsSync(path.join(ROOT, part)), part).toBe(true);
    }
    expect(fs.existsSync(path.join(ROOT, "scripts/healthcheck.mjs"))).toBe(true);
  });

  it("only uses environment variables documented in .env.example", () => {
    for (const svc of ["migrate", "web", "worker"]) {
      for (const name of Object.keys(s[svc]!.environment ?? {})) expect(exampleKeys, `${svc}: ${name}`).toContain(name);
    }
  });

  it("the Dockerfile is multi-stage, runs as non-root on a current Node LTS", () => {
    const df = read("Dockerfile");
    expect(df.match(/^FROM /gm)!.length).toBeGreaterThanOrEqual(3);
    expect(df).toMatch(/ARG NODE_IMAGE=node:(22|24)-/);
    expect(df).toMatch(/^USER node$/m);
    expect(df).toMatch(/^HEALTHCHECK /m);
  });
});
