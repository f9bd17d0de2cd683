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
import type { SituationKind } from "../server/simulators/generator.ts";
import { applyIsotonic, applyPlatt, fitIsotonic, fitPlatt } from "../server/services/intelligence/calibration.ts";
import type { EvidenceRef } from "../server/services/events/event-log.ts";
import { brier, brierSkill, expectedCalibrationError, reliability } from "./lib/calibration-metrics.ts";
import { benchDatabase, benchEnv, fmt, printTable } from "./lib/harness.ts";
import { forecastOutcomes, HORIZONS, key, RISKS } from "./lib/forecast-outcomes.ts";

const PROJECTS = Number(process.env.BACKTEST_PROJECTS ?? 200);
const SEED = Number(process.env.BACKTEST_SEED ?? 4242);
/** A second seed, never used while building, to score calibrators fitted on SEED's outcomes (0: skip). */
const HOLDOUT_SEED = Number(process.env.BACKTEST_HOLDOUT_SEED ?? 777);
const END = new Date("2026-11-20T00:00:00Z");
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

/** Every number of the forecast table for one risk type and horizon, given the probabilities said. */
function scoreRow(said: number[], naive: number[], happened: boolean[]) {
  return { auc: auc(said, happened), brier: brier(said, happened), skill: brierSkill(said, naive, happened), ece: expectedCalibrationError(said, happened) };
}

async function main() {
  const db = await benchDatabase();
  const env = benchEnv();
  const gen = { seed: SEED, projects: PROJECTS, days: 60, end: END };
  try {
    console.log(`loading ${fmt(PROJECTS)} generated projects through the connectors and back-filling 8 days…`);
    const { outcomes, projectIds, truth } = await forecastOutcomes(db, env, gen);
    const ws = { projectIds };

    const table: (string | number)[][] = [["risk type", "horizon", "positives", "AUC ours", "AUC naive", "Brier ours", "Brier naive", "skill vs naive", "ECE ours", "ECE naive"]];
    const reliabilityTables: { type: string; rows: ReturnType<typeof reliability> }[] = [];
    for (const type of RISKS) {
      for (const h of HORIZONS) {
        const { ours, naive, happened } = outcomes[key(type, h)]!;
        const o = scoreRow(ours, naive, happened);
        table.push([type, `${h} d`, String(happened.filter(Boolean).length), fmt(o.auc, 3), fmt(auc(naive, happened), 3), fmt(o.brier, 3), fmt(brier(naive, happened), 3),
          fmt(o.skill, 3), fmt(o.ece, 3), fmt(expectedCalibrationError(naive, happened), 3)]);
        if (h === 14) reliabilityTables.push({ type, rows: reliability(ours, happened) });
      }
    }
    console.log("");
    console.log(`Forecasts at the end of the data vs planted outcomes, ${fmt(PROJECTS)} projects (seed ${SEED}); naive = last week's risk level`);
    printTable(table);
    console.log("");
    console.log("Reliability at 14 days: when we said a probability in the bucket, how often it happened");
    printTable([["risk type", ...reliabilityTables[0]!.rows.map((r) => `${Math.round(r.from * 100)}–${Math.round(r.to * 100)}%`)],
      ...reliabilityTables.map((t) => [t.type, ...t.rows.map((r) => (r.n ? `${fmt(100 * r.observed)}% of ${r.n}` : "–"))])]);

    // Calibration, measured honestly: calibrators fitted on this workspace's outcomes, scored on a
    // second workspace from a seed never used while building (BACKTEST_HOLDOUT_SEED).
    if (HOLDOUT_SEED) {
      const hdb = await benchDatabase();
      try {
        console.log("");
        console.log(`loading the held-out workspace (seed ${HOLDOUT_SEED})…`);
        const held = (await forecastOutcomes(hdb, env, { ...gen, seed: HOLDOUT_SEED })).outcomes;
        const cal: (string | number)[][] = [["risk type", "horizon", "positives", "AUC raw", "AUC Platt", "Brier raw", "Brier Platt", "Brier isotonic", "Brier naive", "skill raw", "skill Platt", "skill isotonic", "ECE raw", "ECE Platt", "ECE isotonic"]];
        for (const type of RISKS) {
          for (const h of HORIZONS) {
            const fitOn = outcomes[key(type, h)]!;
            const platt = fitPlatt(fitOn.ours, fitOn.happened);
            const iso = fitIsotonic(fitOn.ours, fitOn.happened);
            const { ours, naive, happened } = held[key(type, h)]!;
            const raw = scoreRow(ours, naive, happened);
            const p = scoreRow(ours.map((x) => applyPlatt(platt, x)), naive, happened);
            const i = scoreRow(ours.map((x) => applyIsotonic(iso, x)), naive, happened);
            cal.push([type, `${h} d`, String(happened.filter(Boolean).length), fmt(raw.auc, 3), fmt(p.auc, 3), fmt(raw.brier, 3), fmt(p.brier, 3), fmt(i.brier, 3), fmt(brier(naive, happened), 3),
              fmt(raw.skill, 3), fmt(p.skill, 3), fmt(i.skill, 3), fmt(raw.ece, 3), fmt(p.ece, 3), fmt(i.ece, 3)]);
          }
        }
        console.log(`Calibrated on seed ${SEED}'s outcomes (${fmt(PROJECTS)} projects), scored on seed ${HOLDOUT_SEED}: raw rule probabilities vs Platt scaling vs isotonic regression`);
        printTable(cal);
      } finally {
        await hdb.drop();
      }
    }

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
