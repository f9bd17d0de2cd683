import { createHash } from "node:crypto";
import { z } from "zod";
import type { Db } from "../../db.ts";
import type { Env } from "../../env.ts";
import type { Prisma } from "../../generated/prisma/client.ts";
import { describeLlmError, llmClient } from "../llm/client.ts";

// The LLM boundary for recommendations: the model may reword the top-N visible recommendations, never
// decide anything. Its wording is stored beside the template with the hash of the template it
// rewrote, shown only while that template is current, and requested again only when it changed — so
// refreshes do not call the model again and again. Any failure keeps the template and warns.

const worded = z.object({ title: z.string().min(3).max(200), rationale: z.string().min(3).max(1500), whyNow: z.string().min(3).max(600), expectedImpact: z.string().min(3).max(600) });
export type LlmText = z.infer<typeof worded> & { model: string; sourceHash: string };

type TemplateText = { title: string; rationale: string; whyNow: string; expectedImpact: string };
export const templateHash = (t: TemplateText) => createHash("sha1").update(JSON.stringify([t.title, t.rationale, t.whyNow, t.expectedImpact])).digest("hex");

/** What a card shows: the LLM wording when it matches the current template, else the template. */
export function displayText<T extends TemplateText & { llmText: unknown }>(rec: T): TemplateText & { textSource: "llm" | "template" } {
  const llm = rec.llmText as LlmText | null;
  if (llm && llm.sourceHash === templateHash(rec)) return { title: llm.title, rationale: llm.rationale, whyNow: llm.whyNow, expectedImpact: llm.expectedImpact, textSource: "llm" };
  return { title: rec.title, rationale: rec.rationale, whyNow: rec.whyNow, expectedImpact: rec.expectedImpact, textSource: "template" };
}

const SYSTEM = [
  "You reword next-best-action recommendations for a project manager at a delivery agency.",
  "Keep every fact, number, name and date exactly as given; do not add facts, advice or promises.",
  "Be concise and direct. Answer with a JSON object with the keys title, rationale, whyNow, expectedImpact.",
].join(" ");

export async function rewordTopRecommendations(db: Db, env: Env, projectId: string): Promise<{ reworded: number; skipped: number; warnings: string[] }> {
  const client = llmClient(env);
  if (!client || env.RECOMMENDATIONS_V2_LLM_TOP_N === 0) return { reworded: 0, skipped: 0, warnings: [] };
  const top = await db.recommendationV2.findMany({
    where: { projectId, active: true, gateStatus: "visible", status: { in: ["new", "acknowledged"] } },
    orderBy: [{ priority: "desc" }, { dueDate: "asc" }, { id: "asc" }],
    take: env.RECOMMENDATIONS_V2_LLM_TOP_N,
  });
  let reworded = 0;
  let skipped = 0;
  const warnings: string[] = [];
  for (const rec of top) {
    const hash = templateHash(rec);
    if ((rec.llmText as LlmText | null)?.sourceHash === hash) {
      skipped++;
      continue;
    }
    try {
      const res = await client.chat.completions.create({
        model: env.OPENAI_MODEL,
        temperature: 0.2,
        response_format: { type: "json_object" },
        messages: [
          { role: "system", content: SYSTEM },
          { role: "user", content: JSON.stringify({ title: rec.title, rationale: rec.rationale, whyNow: rec.whyNow, expectedImpact: rec.expectedImpact }) },
        ],
      });
      let content: unknown = null;
      try {
        content = JSON.parse(res.choices[0]?.message?.content ?? "null");
      } catch {
        content = null;
      }
      const parsed = worded.safeParse(content);
      if (!parsed.success) {
        warnings.push(`LLM wording for ${rec.category} rejected (not the expected JSON); the template is shown`);
        continue;
      }
      const llmText: LlmText = { ...parsed.data, model: res.model ?? env.OPENAI_MODEL, sourceHash: hash };
      await db.recommendationV2.update({ where: { id: rec.id }, data: { llmText: llmText as unknown as Prisma.InputJsonValue } });
      reworded++;
    } catch (e) {
      warnings.push(`LLM unavailable for ${rec.category} (${describeLlmError(e)}); the deterministic template is shown`);
    }
  }
  return { reworded, skipped, warnings };
}
