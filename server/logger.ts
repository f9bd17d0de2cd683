import pino from "pino";

/** Structured JSON logs; secrets are redacted wherever they might appear. */
export function createLogger(level: string, name: string) {
  return pino({
    name,
    level,
    redact: { paths: ["req.headers.authorization", "req.headers.cookie", 'res.headers["set-cookie"]', "password", "*.password", "token"], censor: "[redacted]" },
  });
}
export type Logger = ReturnType<typeof createLogger>;
