import { describe, expect, it } from "vitest";
import { connectorModeFor, EnvError, parseEnv } from "./env.ts";

describe("env", () => {
  it("applies documented defaults", () => {
    const env = parseEnv({});
    expect(env.CONNECTOR_MAX_RETRIES).toBe(5);
    expect(env.CONNECTOR_RETRY_BASE_SECONDS).toBe(30);
    expect(env.RECOMMENDATIONS_V2_LLM_TOP_N).toBe(3);
    expect(env.DATABASE_URL).toContain(":54329/");
  });

  it("parses flags in every accepted spelling", () => {
    expect(parseEnv({ KAG_ENABLED: "0" }).KAG_ENABLED).toBe(false);
    expect(parseEnv({ KAG_ENABLED: "off" }).KAG_ENABLED).toBe(false);
    expect(parseEnv({ KAG_ENABLED: "true" }).KAG_ENABLED).toBe(true);
  });

  it("lists every problem in one readable error", () => {
    let err: unknown;
    try {
      parseEnv({ PORT: "abc", CONNECTOR_MODE: "ftp", KAG_ENABLED: "maybe", SESSION_SECRET: "short" });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(EnvError);
    const msg = (err as Error).message;
    for (const name of ["PORT", "CONNECTOR_MODE", "KAG_ENABLED", "SESSION_SECRET"]) expect(msg).toContain(name);
  });

  it("refuses the development session secret in production", () => {
    expect(() => parseEnv({ NODE_ENV: "production" })).toThrow(/SESSION_SECRET must be set in production/);
  });

  it("lets a per-connector mode override the global one", () => {
    const env = parseEnv({ CONNECTOR_MODE: "mcp", CONNECTOR_LINEAR_MODE: "http" });
    expect(connectorModeFor(env, "linear")).toBe("http");
    expect(connectorModeFor(env, "attio")).toBe("mcp");
  });
});
