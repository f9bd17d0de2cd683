import OpenAI from "openai";
import type { Env } from "../../env.ts";

// The one place the product talks to a language model. Without OPENAI_API_KEY there is no client and
// callers use their deterministic templates (and say so). Short timeout and one retry: wording is a
// nicety, never worth stalling a pipeline for.

export function llmClient(env: Env): OpenAI | null {
  if (!env.OPENAI_API_KEY) return null;
  return new OpenAI({ apiKey: env.OPENAI_API_KEY, baseURL: env.OPENAI_BASE_URL, timeout: 15_000, maxRetries: 1 });
}

export function describeLlmError(e: unknown): string {
  if (e instanceof OpenAI.APIError) return `${e.status ?? "network"} ${e.message}`.slice(0, 300);
  return (e instanceof Error ? e.message : String(e)).slice(0, 300);
}
