import { z } from "zod";
import { localDatabaseUrl } from "./config/database-url.ts";

// Flags accept 1/0, true/false, yes/no, on/off.
const flag = (fallback: boolean) =>
  z
    .enum(["1", "0", "true", "false", "yes", "no", "on", "off", ""])
    .optional()
    .transform((v) => (v === undefined || v === "" ? fallback : ["1", "true", "yes", "on"].includes(v)));

const int = (fallback: number, min: number, max: number) => z.coerce.number().int().min(min).max(max).default(fallback);
const optionalUrl = z.url().optional().or(z.literal("").transform(() => undefined));
/** What Express's "trust proxy" accepts (a list of these; a hop count stands alone), so a typo fails validation, not startup. */
const TRUST_PART = /^(loopback|linklocal|uniquelocal|(\d{1,3}\.){3}\d{1,3}(\/\d{1,2})?|[0-9a-fA-F]*:[0-9a-fA-F:.]*(\/\d{1,3})?)$/;
function trustProxyCompiles(v: string): boolean {
  return v.split(",").every((part) => TRUST_PART.test(part.trim()));
}

const optionalString = z.string().optional().transform((v) => (v ? v : undefined));
const connectorMode = z.enum(["http", "mcp"]);

const DEV_SESSION_SECRET = "dev-only-session-secret-change-me-0123456789";

export const envSchema = z
  .object({
    NODE_ENV: z.enum(["development", "test", "production"]).default("development"),
    HOST: z.string().default("0.0.0.0"),
    PORT: int(3000, 1, 65535),
    PUBLIC_URL: optionalUrl,
    LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),

    DATABASE_URL: z.string().min(1).default(localDatabaseUrl()),
    DATABASE_POOL_MAX: int(15, 2, 200),

    SESSION_SECRET: z.string().min(32, "SESSION_SECRET must be at least 32 characters").default(DEV_SESSION_SECRET),
    SESSION_TTL_HOURS: int(336, 1, 24 * 90),
    CORS_ORIGIN: z.string().default(""),
    LOGIN_RATE_LIMIT_MAX: int(10, 1, 1000),
    LOGIN_RATE_LIMIT_WINDOW_SECONDS: int(900, 10, 86400),
    /** Requests per minute and web process: sign-in attempts per address, changes and reads per token/session/address. */
    AUTH_RATE_LIMIT_PER_MINUTE: int(30, 1, 100_000),
    API_RATE_LIMIT_WRITES_PER_MINUTE: int(120, 1, 1_000_000),
    API_RATE_LIMIT_READS_PER_MINUTE: int(1200, 1, 1_000_000),
    /**
     * Which peers may set X-Forwarded-For (Express "trust proxy": a hop count like "1", or addresses/
     * subnets like "10.0.0.2" or "loopback"). Unset: none — the peer address is the client's.
     */
    TRUST_PROXY: optionalString.refine((v) => v === undefined || /^\d{1,2}$/.test(v) || trustProxyCompiles(v),
      "TRUST_PROXY must be a hop count, or a comma-separated list of addresses, subnets or loopback/linklocal/uniquelocal"),
    OPS_PUBLIC_HEALTH: flag(true),
    OPS_PUBLIC_METRICS: flag(true),

    WORKER_CONCURRENCY: int(2, 1, 32),
    WORKER_HEARTBEAT_SECONDS: int(10, 1, 300),
    WORKER_STALE_SECONDS: int(120, 10, 3600),
    SCHEDULER_TICK_LIMIT: int(100, 1, 1000),
    JOB_MAX_ATTEMPTS: int(5, 1, 25),
    EVENT_LOG_PROCESS_RETENTION_DAYS: int(30, 1, 3650),

    KAG_ENABLED: flag(true),
    RECOMMENDATIONS_ENABLED: flag(true),
    KAG_SNAPSHOTS_ENABLED: flag(true),
    KAG_FORECASTING_ENABLED: flag(true),
    KAG_RECOMMENDATIONS_V2_ENABLED: flag(true),
    RECOMMENDATIONS_V2_LLM_TOP_N: int(3, 0, 50),
    KAG_EVENT_LOG_LOOKBACK_DAYS: int(30, 1, 3650),

    CONNECTOR_MODE: connectorMode.default("http"),
    CONNECTOR_CHATWOOT_MODE: connectorMode.optional(),
    CONNECTOR_LINEAR_MODE: connectorMode.optional(),
    CONNECTOR_ATTIO_MODE: connectorMode.optional(),
    DEMO_SIM_BASE_PORT: int(54410, 1024, 65000),
    CONNECTOR_CHATWOOT_MCP_URL: optionalUrl,
    CONNECTOR_LINEAR_MCP_URL: optionalUrl,
    CONNECTOR_ATTIO_MCP_URL: optionalUrl,
    CONNECTOR_MAX_RETRIES: int(5, 1, 50),
    CONNECTOR_RETRY_BASE_SECONDS: int(30, 5, 300),

    CHATWOOT_BASE_URL: optionalUrl,
    CHATWOOT_API_TOKEN: optionalString,
    CHATWOOT_ACCOUNT_ID: optionalString,
    LINEAR_BASE_URL: optionalUrl,
    LINEAR_API_TOKEN: optionalString,
    LINEAR_WORKSPACE_ID: optionalString,
    ATTIO_BASE_URL: optionalUrl,
    ATTIO_API_TOKEN: optionalString,
    ATTIO_WORKSPACE_ID: optionalString,
    LOOPS_BASE_URL: optionalUrl,
    LOOPS_SECRET_KEY: optionalString,

    OPENAI_API_KEY: optionalString,
    OPENAI_BASE_URL: optionalUrl,
    OPENAI_MODEL: z.string().default("gpt-4o-mini"),
    EMBEDDING_MODEL: z.string().default("text-embedding-3-small"),
    /** Message understanding: "openai" reads messages with the language model when a key is set; "local" never does. */
    UNDERSTANDING_ENGINE: z.enum(["openai", "local"]).default("openai"),
    /** Language-model tokens message understanding may spend per workspace and UTC day; then the local engine reads the rest. */
    UNDERSTANDING_DAILY_TOKEN_BUDGET: int(200_000, 0, 100_000_000),
    /** Messages per language-model call. */
    UNDERSTANDING_BATCH_SIZE: int(20, 1, 100),
    /** Where the trained local model is cached (read by local-engine.ts before env is parsed); default .data/cache. */
    UNDERSTANDING_CACHE_DIR: optionalString,
    // rag_chunks.embedding is vector(1536): OpenAI's text-embedding-3 models are asked for 1536 dimensions.
    EMBEDDING_DIM: z.coerce.number().int().refine((n) => n === 1536, "EMBEDDING_DIM must be 1536 (the dimension of rag_chunks.embedding)").default(1536),
  })
  .superRefine((env, ctx) => {
    if (env.NODE_ENV === "production" && env.SESSION_SECRET === DEV_SESSION_SECRET) {
      ctx.addIssue({ code: "custom", path: ["SESSION_SECRET"], message: "SESSION_SECRET must be set in production" });
    }
  });

export type Env = z.infer<typeof envSchema>;

export class EnvError extends Error {}

/** Parses an environment (process.env by default); throws EnvError listing every problem. */
export function parseEnv(source: Record<string, string | undefined> = process.env): Env {
  // An empty value (KEY= in a copied .env.example) means "not set": the default applies.
  const present = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== undefined && v !== ""));
  const res = envSchema.safeParse(present);
  if (res.success) return res.data;
  const lines = res.error.issues.map((i) => `  - ${i.path.join(".") || "(env)"}: ${i.message}`);
  throw new EnvError(`Invalid environment:\n${lines.join("\n")}`);
}

export function usingDevSessionSecret(env: Env): boolean {
  return env.SESSION_SECRET === DEV_SESSION_SECRET;
}

/** Connector mode with per-connector override (CONNECTOR_<NAME>_MODE wins over CONNECTOR_MODE). */
export function connectorModeFor(env: Env, connector: "chatwoot" | "linear" | "attio"): "http" | "mcp" {
  const override = { chatwoot: env.CONNECTOR_CHATWOOT_MODE, linear: env.CONNECTOR_LINEAR_MODE, attio: env.CONNECTOR_ATTIO_MODE }[connector];
  return override ?? env.CONNECTOR_MODE;
}

/** The MCP server (Streamable HTTP endpoint) a connector talks to in mcp mode, if configured. */
export function connectorMcpUrlFor(env: Env, connector: "chatwoot" | "linear" | "attio"): string | undefined {
  return { chatwoot: env.CONNECTOR_CHATWOOT_MCP_URL, linear: env.CONNECTOR_LINEAR_MCP_URL, attio: env.CONNECTOR_ATTIO_MCP_URL }[connector];
}
