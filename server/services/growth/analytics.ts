import type { Db } from "../../db.ts";
import { sql } from "../../sql.ts";
import { isoDay } from "../../time.ts";

// analytics_aggregates: per project and UTC day, the trailing-30-day figures a head of delivery asks
// for — how much the client writes and how fast we answer (per conversation, not "every message is
// inbound" as in the reference), how work flows (opened, completed, lead time, open, blocked,
// overdue), and the pipeline (open, weighted by probability, won in the last 30/60/90 days, each its
// own window). Upserted per (project, day), so re-running a day rewrites it.

const DAY = 86_400_000;

export type AnalyticsMetrics = {
  windowDays: 30;
  comms: { inbound: number; outbound: number; conversationsActive: number; firstResponseMinutesMedian: number | null; firstResponseMinutesP90: number | null; unansweredOver24h: number };
  delivery: { opened: number; completed: number; leadTimeDaysMedian: number | null; open: number; blocked: number; overdue: number };
  pipeline: { openDeals: number; openAmount: number; weightedAmount: number; won30d: number; won60d: number; won90d: number };
};

export async function computeAnalytics(db: Db, input: { projectId: string; now: Date }): Promise<{ day: string; metrics: AnalyticsMetrics }> {
  const { projectId, now } = input;
  const since = new Date(now.getTime() - 30 * DAY);
  const today = isoDay(now);
  const q = sql(db);
  const [[comms], [delivery], [pipeline]] = await Promise.all([
    // First response, as the response-time signal measures it: for each burst of client messages (a
    // client message whose previous message in the conversation was not the client's), the first
    // later team message in the same conversation.
    q<AnalyticsMetrics["comms"]>`
      WITH m AS (
        SELECT conversation_external_id AS conv, message_type, source_created_at AS at,
               lag(message_type) OVER (PARTITION BY conversation_external_id ORDER BY source_created_at, external_id) AS prev_type
        FROM cw_messages
        WHERE project_id = ${projectId}::uuid AND deleted_at IS NULL AND NOT private AND message_type IN (0, 1) AND source_created_at > ${since} AND source_created_at <= ${now}
      ), replies AS (
        SELECT c.at, (SELECT min(t.at) FROM m t WHERE t.conv = c.conv AND t.message_type = 1 AND t.at > c.at) AS answered_at
        FROM m c WHERE c.message_type = 0 AND c.prev_type IS DISTINCT FROM 0
      )
      SELECT (SELECT count(*) FROM m WHERE message_type = 0)::int AS inbound,
             (SELECT count(*) FROM m WHERE message_type = 1)::int AS outbound,
             (SELECT count(DISTINCT conv) FROM m)::int AS "conversationsActive",
             (SELECT round((percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM answered_at - at) / 60))::numeric, 1)::float8 FROM replies WHERE answered_at IS NOT NULL) AS "firstResponseMinutesMedian",
             (SELECT round((percentile_cont(0.9) WITHIN GROUP (ORDER BY extract(epoch FROM answered_at - at) / 60))::numeric, 1)::float8 FROM replies WHERE answered_at IS NOT NULL) AS "firstResponseMinutesP90",
             (SELECT count(*) FROM replies WHERE answered_at IS NULL AND at < ${new Date(now.getTime() - DAY)})::int AS "unansweredOver24h"`,
    q<AnalyticsMetrics["delivery"]>`
      WITH i AS (SELECT * FROM linear_issues WHERE project_id = ${projectId}::uuid AND deleted_at IS NULL AND source_created_at <= ${now})
      SELECT (SELECT count(*) FROM i WHERE source_created_at > ${since})::int AS opened,
             (SELECT count(*) FROM i WHERE completed_at > ${since} AND completed_at <= ${now})::int AS completed,
             (SELECT round((percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM completed_at - source_created_at) / 86400))::numeric, 1)::float8
                FROM i WHERE completed_at > ${since} AND completed_at <= ${now}) AS "leadTimeDaysMedian",
             (SELECT count(*) FROM i WHERE (completed_at IS NULL OR completed_at > ${now}) AND coalesce(state_type, '') <> 'canceled')::int AS open,
             (SELECT count(*) FROM i WHERE completed_at IS NULL AND blocked)::int AS blocked,
             (SELECT count(*) FROM i WHERE completed_at IS NULL AND coalesce(state_type, '') NOT IN ('completed', 'canceled') AND due_date < ${today}::date)::int AS overdue`,
    // Won deals by their close date (else when we last saw them change), each window its own.
    q<AnalyticsMetrics["pipeline"]>`
      WITH d AS (
        SELECT amount::float8 AS amount, coalesce(probability, 0.1) AS p, stage ~* 'won' AS won, stage ~* '(lost|churn)' AS lost,
               coalesce(expected_close_date::timestamptz, synced_at) AS closed_at
        FROM attio_deals WHERE project_id = ${projectId}::uuid AND deleted_at IS NULL
      )
      SELECT (SELECT count(*) FROM d WHERE NOT won AND NOT lost)::int AS "openDeals",
             (SELECT coalesce(sum(amount), 0) FROM d WHERE NOT won AND NOT lost)::float8 AS "openAmount",
             (SELECT coalesce(round(sum(amount * p)::numeric, 2), 0) FROM d WHERE NOT won AND NOT lost)::float8 AS "weightedAmount",
             (SELECT coalesce(sum(amount), 0) FROM d WHERE won AND closed_at > ${since} AND closed_at <= ${now})::float8 AS "won30d",
             (SELECT coalesce(sum(amount), 0) FROM d WHERE won AND closed_at > ${new Date(now.getTime() - 60 * DAY)} AND closed_at <= ${now})::float8 AS "won60d",
             (SELECT coalesce(sum(amount), 0) FROM d WHERE won AND closed_at > ${new Date(now.getTime() - 90 * DAY)} AND closed_at <= ${now})::float8 AS "won90d"`,
  ]);
  const metrics: AnalyticsMetrics = { windowDays: 30, comms: comms!, delivery: delivery!, pipeline: pipeline! };
  await q`
    INSERT INTO analytics_daily (project_id, day, metrics, computed_at) VALUES (${projectId}::uuid, ${today}::date, ${JSON.stringify(metrics)}::jsonb, ${now})
    ON CONFLICT (project_id, day) DO UPDATE SET metrics = EXCLUDED.metrics, computed_at = EXCLUDED.computed_at`;
  return { day: today, metrics };
}

/** The latest figures and the daily series (oldest first) for charts. */
export async function readAnalytics(db: Db, input: { projectId: string; days: number }) {
  const rows = await sql(db)<{ day: string; metrics: AnalyticsMetrics; computed_at: Date }>`
    SELECT to_char(day, 'YYYY-MM-DD') AS day, metrics, computed_at FROM analytics_daily WHERE project_id = ${input.projectId}::uuid ORDER BY day DESC LIMIT ${input.days}`;
  return { latest: rows[0] ?? null, series: rows.reverse() };
}
