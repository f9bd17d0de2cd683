import type { Language } from "./language.ts";

// What a message says, in one typed result — whichever engine decided it.

export const LABELS = ["scope_change", "new_need", "approval_request", "expects_reply"] as const;
export type Label = (typeof LABELS)[number];
export type Author = "client" | "team";

/** Which labels can apply to a message depends on who wrote it. */
export const LABELS_BY_AUTHOR: Record<Author, readonly Label[]> = {
  client: ["scope_change", "new_need"],
  team: ["approval_request", "expects_reply"],
};

export type LabelResult = { label: Label; confidence: number; span: string };

export type Understanding = {
  /** Labels that apply, each with its confidence and the quoted span that carries it. */
  labels: LabelResult[];
  /** Every label the author could carry, with its confidence (applied or not): what the UI and corrections show. */
  scores: Record<string, number>;
  tone: number;
  language: Language | "mixed" | "unknown";
  engine: "local" | "openai" | "correction";
  engineVersion: string;
};

export type MessageInput = { id?: string; from: Author; text: string };
