// npm run backtest — how good are the forecasts and recommendations on situations whose outcome we
// know? The generator plants situations (client silence, scope creep, aging blockers, budget overrun,
// upsell need) and decides what happens after the data ends (a client / scope / delivery / finance
// risk materialising within N days, or not). The workspace is loaded through the connectors, the
// daily pipeline back-fills 8 days (so last week's state exists), and the forecasts made at the end
// of the data are scored against the planted outcomes:
//   AUC and Brier score per risk type and horizon (7/14/30 days), ours vs a naive baseline — last
//   week's risk level (risk score / 100 seven days earlier) as the probability of every risk type —,
//   the Brier skill score against it, the expected calibration error (10 buckets) and, per risk
//   type at 14 days, the reliability table (what we said → how often it happened);
//   the share of planted situations that produce the right recommendation category, visible, citing
//   the planted records as evidence; and how often that category fires where nothing was planted.
import { createWorkspace, type OutcomeType, type SituationKind } from "../server/simulators/generator.ts";
import { backfillDailyPipeline } from "../server/services/intelligence/pipeline.ts";
import type { EvidenceRef } from "../server/services/events/event-log.ts";
import { brier, brierSkill, expectedCalibrationError, reliability } from "./lib/calibration-metrics.ts";
import { benchDatabase, benchEnv, fmt, printTable } from "./lib/harness.ts";
import { inParallel, loadWorkspace } from "./lib/workspace.ts";

const PROJECTS = Number(process.env.BACKTEST_PROJECTS ?? 200);
const SEED = Number(process.env.BACKTEST_SEED ?? 4242);
const END = new Date("2026-11-20T00:00:00Z");
const AS_OF = new Date(END.getTime() - 1000); // the last second of the data
const DAY = 86_400_000;
const RISKS = ["delivery_risk", "finance_risk", "client_risk", "scope_risk"] as const;
const HORIZONS = [7, 14, 30] as const;
const EXPECTED: Record<SituationKind, string> = {
  client_silence: "waiting_on_client", scope_creep: "scope_creep_change_request", aging_blockers: "delivery_risk", budget_overrun: "finance_risk", upsell_need: "upsell_opportunity",
};

/** Area under the ROC curve (Mann–Whitney U, ties counted half). NaN without both classes. */
export function auc(scores: number[], labels: boolean[]): number {
  const pos = scores.filter((_, i) => labels[i]);
  const neg = scores.filter((_, i) => !labels[i]);
  if (!pos.length || !neg.length) return NaN;
  let u = 0;
  for (const p of pos) for (const n of neg) u += p > n ? 1 : p === n ? 0.5 : 0;
  return u / (pos.length * neg.length);
}

async function main() {
  const db = await benchDatabase();
  const env = benchEnv();
  const gen = { seed: SEED, projects: PROJECTS, days: 60, end: END };
  try {
    console.log(`loading ${fmt(PROJECTS)} generated projects through the connectors…`);
    const ws = await loadWorkspace(db.prisma, env, { ...gen, concurrency: 6 });
    await ws.sims.close();
    console.log(`back-filling 8 days of the daily pipeline for every project…`);
    // Two passes: the second sees every project's signatures, so similar cases are complete.
    for (const days of [8, 1]) await inParallel(ws.projectIds, 4, async (id) => void (await backfillDailyPipeline(db.prisma, env, id, AS_OF, days)));

    const truth = createWorkspace(gen); // the same generator, so the same planted situations and outcomes
    const { rows: forecasts } = await db.pool.query<{ project_id: string; risk_type: string; p7: number; p14: number; p30: number }>(
      `SELECT project_id, risk_type, probability_7d AS p7, probability_14d AS p14, probability_30d AS p30 FROM kag_risk_forecasts WHERE project_id = ANY($1::uuid[])`, [ws.projectIds]);
    const weekAgo = new Date(AS_OF.getTime() - 7 * DAY).toISOString().slice(0, 10);
    const { rows: naive } = await db.pool.query<{ project_id: string; risk: number }>(
      `SELECT project_id, (scores_json->'risk'->>'score')::float8 / 100 AS risk FROM project_snapshots WHERE project_id = ANY($1::uuid[]) AND snapshot_date = $2::date`, [ws.projectIds, weekAgo]);
    const naiveOf = new Map(naive.map((r) => [r.project_id, r.risk]));

    const outcomeWithin = (index: number, type: OutcomeType, days: number) =>
      truth.project(index)!.situations.some((s) => s.outcome?.type === type && s.outcome.occurredAt.getTime() - END.getTime() <= days * DAY);
    const table: (string | number)[][] = [["risk type", "horizon", "positives", "AUC ours", "AUC naive", "Brier ours", "Brier naive", "skill vs naive", "ECE ours", "ECE naive"]];
    const reliabilityTables: { type: string; rows: ReturnType<typeof reliability> }[] = [];
    for (const type of RISKS) {
      for (const h of HORIZONS) {
        const ours: number[] = [], base: number[] = [], labels: boolean[] = [];
        ws.projectIds.forEach((id, i) => {
          const f = forecasts.find((x) => x.project_id === id && x.risk_type === type);
          ours.push(f ? (h === 7 ? f.p7 : h === 14 ? f.p14 : f.p30) : 0);
          base.push(naiveOf.get(id) ?? 0);
          labels.push(outcomeWithin(i, type, h));
        });
        table.push([type, `${h} d`, String(labels.filter(Boolean).length), fmt(auc(ours, labels), 3), fmt(auc(base, labels), 3), fmt(brier(ours, labels), 3), fmt(brier(base, labels), 3),
          fmt(brierSkill(ours, base, labels), 3), fmt(expectedCalibrationError(ours, labels), 3), fmt(expectedCalibrationError(base, labels), 3)]);
        if (h === 14) reliabilityTables.push({ type, rows: reliability(ours, labels) });
      }
    }
    console.log("");
    console.log(`Forecasts at the end of the data vs planted outcomes, ${fmt(PROJECTS)} projects (seed ${SEED}); naive = last week's risk level`);
    printTable(table);
    console.log("");
    console.log("Reliability at 14 days: when we said a probability in the bucket, how often it happened");
    printTable([["risk type", ...reliabilityTables[0]!.rows.map((r) => `${Math.round(r.from * 100)}–${Math.round(r.to * 100)}%`)],
      ...reliabilityTables.map((t) => [t.type, ...t.rows.map((r) => (r.n ? `${fmt(100 * r.observed)}% of ${r.n}` : "–"))])]);

    const { rows: recs } = await db.pool.query<{ project_id: string; category: string; evidence_refs: EvidenceRef[] }>(
      `SELECT project_id, category, evidence_refs FROM recommendations_v2 WHERE project_id = ANY($1::uuid[]) AND active AND evidence_gate_status = 'visible'`, [ws.projectIds]);
    const recTable: (string | number)[][] = [["situation", "planted", "right category", "…citing planted evidence", "share", "fires without it"]];
    for (const kind of Object.keys(EXPECTED) as SituationKind[]) {
      let planted = 0, category = 0, withEvidence = 0, spurious = 0, without = 0;
      ws.projectIds.forEach((id, i) => {
        const sit = truth.project(i)!.situations.find((s) => s.kind === kind);
        const rec = recs.find((r) => r.project_id === id && r.category === EXPECTED[kind]);
        if (!sit) {
          without++;
          if (rec) spurious++;
          return;
        }
        planted++;
        if (!rec) return;
        category++;
        const ids = new Set([...sit.evidence.chatwootMessageIds.map((m) => `message:${m}`), ...sit.evidence.linearIssueIds.map((x) => `issue:${x}`), ...sit.evidence.attioRecordIds.map((x) => `deal:${x}`)]);
        if (rec.evidence_refs.some((r) => ids.has(`${r.kind}:${r.id}`))) withEvidence++;
      });
      recTable.push([kind, String(planted), String(category), String(withEvidence), planted ? `${fmt((100 * withEvidence) / planted)}%` : "–", without ? `${fmt((100 * spurious) / without)}% of ${without}` : "–"]);
    }
    console.log("");
    console.log("Recommendations for the planted situations (visible, active, citing the planted records)");
    printTable(recTable);
  } finally {
    await db.drop();
  }
}

await main();
