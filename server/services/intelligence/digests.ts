import type { Db } from "../../db.ts";
import type { Env } from "../../env.ts";
import type { Prisma } from "../../generated/prisma/client.ts";
import { describeLlmError, llmClient } from "../llm/client.ts";
import { listProjectsForUser } from "../projects.ts";
import { isoDay, utcDay } from "../../time.ts";

// Daily and weekly digests per project: health and risk at the start and end of the period (from the
// snapshots), activity by kind, recommendations raised and closed, outcomes, the riskiest forecast.
// Upserted per (project, kind, period start), so a re-run rewrites the same digest. The summary is a
// deterministic template; with an OpenAI key the model may write it from the same numbers.

const DAY = 86_400_000;
export type DigestKind = "daily" | "weekly";

/** The period a digest written at `now` covers: yesterday, or the last full ISO week (Mon–Sun). */
export function digestPeriod(kind: DigestKind, now: Date): { start: Date; end: Date } {
  const today = utcDay(now);
  if (kind === "daily") return { start: new Date(today.getTime() - DAY), end: new Date(today.getTime() - DAY) };
  const dow = (today.getUTCDay() + 6) % 7; // Monday = 0
  const thisMonday = new Date(today.getTime() - dow * DAY);
  return { start: new Date(thisMonday.getTime() - 7 * DAY), end: new Date(thisMonday.getTime() - DAY) };
}

type Content = {
  health: { start: number | null; end: number | null }; risk: { start: number | null; end: number | null };
  trend: { date: string; health: number | null; risk: number | null }[];
  activity: Record<string, number>;
  recommendationsRaised: { category: string; title: string; priority: number }[];
  recommendationsClosed: { category: string; title: string; status: string }[];
  outcomes: { type: string; severity: number; date: string }[];
  riskiest: { riskType: string; p14: number } | null;
};

export async function buildDigest(db: Db, env: Env, input: { projectId: string; kind: DigestKind; now: Date }): Promise<{ periodStart: string; summarySource: string; warnings: string[] }> {
  const { start, end } = digestPeriod(input.kind, input.now);
  const endExclusive = new Date(end.getTime() + DAY);
  const projectId = input.projectId;
  const project = await db.project.findUniqueOrThrow({ where: { id: projectId }, select: { name: true } });
  const [snaps, activity, raised, closed, outcomes, forecasts] = await Promise.all([
    db.projectSnapshot.findMany({ where: { projectId, snapshotDate: { gte: new Date(start.getTime() - DAY), lte: end } }, orderBy: { snapshotDate: "asc" }, select: { snapshotDate: true, scores: true } }),
    db.eventLog.groupBy({ by: ["eventType"], where: { projectId, category: "domain", occurredAt: { gte: start, lt: endExclusive } }, _count: true }),
    db.recommendationV2.findMany({ where: { projectId, firstFiredAt: { gte: start, lt: endExclusive }, gateStatus: "visible" }, select: { category: true, title: true, priority: true }, orderBy: { priority: "desc" } }),
    db.recommendationV2.findMany({ where: { projectId, OR: [{ completedAt: { gte: start, lt: endExclusive } }, { dismissedAt: { gte: start, lt: endExclusive } }] }, select: { category: true, title: true, status: true } }),
    db.pastCaseOutcome.findMany({ where: { projectId, occurredAt: { gte: start, lt: endExclusive } }, select: { outcomeType: true, severity: true, occurredAt: true } }),
    db.kagRiskForecast.findMany({ where: { projectId, publishable: true }, orderBy: { probability14d: "desc" }, take: 1 }),
  ]);
  const score = (s: { scores: unknown } | undefined, k: string) => ((s?.scores as Record<string, { score: number }> | undefined)?.[k]?.score ?? null);
  const content: Content = {
    health: { start: score(snaps[0], "health"), end: score(snaps.at(-1), "health") },
    risk: { start: score(snaps[0], "risk"), end: score(snaps.at(-1), "risk") },
    trend: snaps.map((s) => ({ date: s.snapshotDate.toISOString().slice(0, 10), health: score(s, "health"), risk: score(s, "risk") })),
    activity: Object.fromEntries(activity.map((a) => [a.eventType, a._count])),
    recommendationsRaised: raised,
    recommendationsClosed: closed,
    outcomes: outcomes.map((o) => ({ type: o.outcomeType, severity: o.severity, date: o.occurredAt.toISOString().slice(0, 10) })),
    riskiest: forecasts[0] ? { riskType: forecasts[0].riskType, p14: forecasts[0].probability14d } : null,
  };
  let summary = templateSummary(project.name, input.kind, content);
  let summarySource = "template";
  const warnings: string[] = [];
  const client = llmClient(env);
  if (client) {
    try {
      const res = await client.chat.completions.create({
        model: env.OPENAI_MODEL, temperature: 0.2,
        messages: [
          { role: "system", content: "Write a 2–4 sentence digest for a project manager from these numbers. Use only the facts given; no advice beyond them." },
          { role: "user", content: JSON.stringify({ project: project.name, period: input.kind, ...content, trend: undefined }) },
        ],
      });
      const text = res.choices[0]?.message?.content?.trim();
      if (text) {
        summary = text.slice(0, 2000);
        summarySource = "llm";
      }
    } catch (e) {
      warnings.push(`LLM unavailable for the ${input.kind} digest (${describeLlmError(e)}); the template summary is used`);
    }
  }
  const data = { periodEnd: end, content: content as unknown as Prisma.InputJsonValue, summary, summarySource };
  await db.digest.upsert({ where: { projectId_kind_periodStart: { projectId, kind: input.kind, periodStart: start } }, create: { projectId, kind: input.kind, periodStart: start, ...data }, update: data });
  return { periodStart: isoDay(start), summarySource, warnings };
}

const fmt = (v: number | null) => (v === null ? "—" : String(Math.round(v)));

export function templateSummary(name: string, kind: DigestKind, c: Content): string {
  const parts: string[] = [];
  const period = kind === "daily" ? "Yesterday" : "Last week";
  if (c.health.end !== null) parts.push(`${period} ${name} ended at health ${fmt(c.health.end)} (from ${fmt(c.health.start)}) and risk ${fmt(c.risk.end)} (from ${fmt(c.risk.start)}).`);
  else parts.push(`${period} ${name} had no snapshot yet.`);
  const msgs = (c.activity.message_received ?? 0) + (c.activity.message_sent ?? 0);
  const opened = c.activity.issue_created ?? 0;
  parts.push(`${msgs} message${msgs === 1 ? "" : "s"}, ${opened} issue${opened === 1 ? "" : "s"} opened and ${c.activity.issue_completed ?? 0} completed.`);
  if (c.recommendationsRaised.length) parts.push(`New: ${c.recommendationsRaised.slice(0, 3).map((r) => r.title).join("; ")}.`);
  if (c.recommendationsClosed.length) parts.push(`${c.recommendationsClosed.length} recommendation${c.recommendationsClosed.length === 1 ? "" : "s"} closed.`);
  if (c.outcomes.length) parts.push(`Risks that materialised: ${[...new Set(c.outcomes.map((o) => o.type.replace("_", " ")))].join(", ")}.`);
  if (c.riskiest && c.riskiest.p14 >= 0.3) parts.push(`Watch ${c.riskiest.riskType.replace("_", " ")}: ${Math.round(c.riskiest.p14 * 100)}% within 14 days.`);
  return parts.join(" ");
}

export async function listDigests(db: Db, input: { projectId: string; kind: DigestKind; limit: number }) {
  const rows = await db.digest.findMany({ where: { projectId: input.projectId, kind: input.kind }, orderBy: { periodStart: "desc" }, take: input.limit });
  // JSON has no bigint: ids travel as strings, over HTTP as through the server-side caller.
  return rows.map((r) => ({ ...r, id: r.id.toString() }));
}

/**
 * The portfolio digest of a user: their latest stored one (written by the digest jobs), and the
 * latest digest of each of *their* projects side by side. A token restricted to one project gets no
 * stored digest: it names the user's other projects.
 */
export async function portfolioDigest(db: Db, input: { userId: string; onlyProjectId?: string | null; kind: DigestKind }) {
  const projects = await listProjectsForUser(db, { userId: input.userId, onlyProjectId: input.onlyProjectId });
  const [rows, stored] = await Promise.all([
    db.$queryRaw<{ project_id: string; period_start: Date; summary: string; content: Content; summary_source: string }[]>`
      SELECT DISTINCT ON (project_id) project_id, period_start, summary, content, summary_source FROM digests
      WHERE project_id = ANY(${projects.map((p) => p.id)}::uuid[]) AND kind = ${input.kind} ORDER BY project_id, period_start DESC`,
    input.onlyProjectId ? null : db.portfolioDigest.findFirst({ where: { userId: input.userId, kind: input.kind }, orderBy: { periodStart: "desc" } }),
  ]);
  return {
    stored: stored ? { periodStart: stored.periodStart, periodEnd: stored.periodEnd, summary: stored.summary, summarySource: stored.summarySource, content: stored.content as unknown as PortfolioContent, writtenAt: stored.updatedAt } : null,
    projects: projects.map((p) => ({ projectId: p.id, name: p.name, digest: rows.find((r) => r.project_id === p.id) ?? null })),
  };
}

type PortfolioLine = { projectId: string; name: string; summary: string | null; healthEnd: number | null; riskEnd: number | null; raised: number; outcomes: string[] };
export type PortfolioContent = { projects: PortfolioLine[]; totals: { projects: number; raised: number; withOutcomes: number; highestRisk: { name: string; risk: number } | null; lowestHealth: { name: string; health: number } | null } };

export function portfolioSummary(kind: DigestKind, c: PortfolioContent): string {
  const period = kind === "daily" ? "Yesterday" : "Last week";
  const t = c.totals;
  const parts = [`${period} across your ${t.projects} project${t.projects === 1 ? "" : "s"}: ${t.raised} new recommendation${t.raised === 1 ? "" : "s"}.`];
  if (t.highestRisk) parts.push(`Highest risk: ${t.highestRisk.name} (${Math.round(t.highestRisk.risk)}).`);
  if (t.lowestHealth) parts.push(`Lowest health: ${t.lowestHealth.name} (${Math.round(t.lowestHealth.health)}).`);
  const hit = c.projects.filter((p) => p.outcomes.length);
  if (hit.length) parts.push(`Risks materialised in ${hit.map((p) => `${p.name} (${p.outcomes.map((o) => o.replace("_", " ")).join(", ")})`).join("; ")}.`);
  return parts.join(" ");
}

/**
 * daily_digest / weekly_digest for the portfolio: for every active user with memberships, their
 * projects' digests of the period (written first where missing), totals and a summary, stored per
 * user. Idempotent per (user, kind, period).
 */
export async function buildPortfolioDigests(db: Db, env: Env, input: { kind: DigestKind; now: Date; userIds?: string[] }): Promise<{ users: number; projectDigestsWritten: number; warnings: string[] }> {
  const { start, end } = digestPeriod(input.kind, input.now);
  const users = await db.user.findMany({ where: { disabledAt: null, memberships: { some: {} }, ...(input.userIds ? { id: { in: input.userIds } } : {}) }, select: { id: true } });
  const warnings: string[] = [];
  const ensured = new Set<string>();
  let written = 0;
  for (const u of users) {
    const projects = await listProjectsForUser(db, { userId: u.id });
    for (const p of projects) {
      if (ensured.has(p.id)) continue;
      ensured.add(p.id);
      if (!(await db.digest.findUnique({ where: { projectId_kind_periodStart: { projectId: p.id, kind: input.kind, periodStart: start } } }))) {
        const res = await buildDigest(db, env, { projectId: p.id, kind: input.kind, now: input.now });
        warnings.push(...res.warnings);
        written++;
      }
    }
    const digests = await db.digest.findMany({ where: { projectId: { in: projects.map((p) => p.id) }, kind: input.kind, periodStart: start } });
    const lines: PortfolioLine[] = projects.map((p) => {
      const d = digests.find((x) => x.projectId === p.id);
      const c = d?.content as Content | undefined;
      return { projectId: p.id, name: p.name, summary: d?.summary ?? null, healthEnd: c?.health.end ?? null, riskEnd: c?.risk.end ?? null, raised: c?.recommendationsRaised.length ?? 0, outcomes: [...new Set((c?.outcomes ?? []).map((o) => o.type))] };
    });
    const withRisk = lines.filter((l) => l.riskEnd !== null).sort((a, b) => b.riskEnd! - a.riskEnd!);
    const withHealth = lines.filter((l) => l.healthEnd !== null).sort((a, b) => a.healthEnd! - b.healthEnd!);
    const content: PortfolioContent = {
      projects: lines,
      totals: {
        projects: lines.length, raised: lines.reduce((a, l) => a + l.raised, 0), withOutcomes: lines.filter((l) => l.outcomes.length).length,
        highestRisk: withRisk[0] ? { name: withRisk[0].name, risk: withRisk[0].riskEnd! } : null,
        lowestHealth: withHealth[0] ? { name: withHealth[0].name, health: withHealth[0].healthEnd! } : null,
      },
    };
    const data = { periodEnd: end, content: content as unknown as Prisma.InputJsonValue, summary: portfolioSummary(input.kind, content), summarySource: "template" };
    await db.portfolioDigest.upsert({ where: { userId_kind_periodStart: { userId: u.id, kind: input.kind, periodStart: start } }, create: { userId: u.id, kind: input.kind, periodStart: start, ...data }, update: data });
  }
  return { users: users.length, projectDigestsWritten: written, warnings: [...new Set(warnings)] };
}
