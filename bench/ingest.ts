// npm run bench:ingest — connector ingest throughput, three ways on the same data in one run:
//   full path   simulator → HTTP client → zod parse → bulk upsert → transition events (a real sync;
//               the simulators run in a separate process, like a remote provider)
//   raw         INSERT … SELECT FROM unnest … ON CONFLICT DO UPDATE of the already-parsed rows (and, in
//               the "raw + events" column, of the event rows the sync wrote too), batches of the
//               connector's page size: the database's floor for writing the same data
//   naive       one Prisma upsert per row and one insert per event (a sample of rows, for time) —
//               what a straightforward ORM loop does
// Targets (issue 3): full path ≥ 50% of raw, ≥ 10× naive.
import type pg from "pg";
import { benchDatabase, benchEnv, fmt, newProject, printTable, timed, type BenchDb } from "./lib/harness.ts";
import { startSimProcess } from "./lib/sim-process.ts";
import { bindSource } from "../server/services/connectors/sources.ts";
import { runConnectorSync } from "../server/services/connectors/sync.ts";

const LINEAR_ISSUES = Number(process.env.BENCH_LINEAR_ISSUES ?? 20_000);
const ATTIO_COMPANIES = Number(process.env.BENCH_ATTIO_COMPANIES ?? 10_000);
const NAIVE_SAMPLE = Number(process.env.BENCH_NAIVE_SAMPLE ?? 2_000);
const END = new Date("2026-11-20T00:00:00Z");

type Case = { connector: "linear" | "attio"; table: string; model: "linearIssue" | "attioCompany"; pageSize: number };
const CASES: Case[] = [
  { connector: "linear", table: "linear_issues", model: "linearIssue", pageSize: 100 },
  { connector: "attio", table: "attio_companies", model: "attioCompany", pageSize: 500 },
];

/** The raw baseline: plain unnest upserts of rows read back from the mirror, retargeted to another project. */
async function rawUpsert(pool: pg.Pool, table: string, rows: Record<string, unknown>[], projectId: string, batch: number): Promise<void> {
  const { rows: cols } = await pool.query<{ column_name: string; udt_name: string }>(
    "SELECT column_name, udt_name FROM information_schema.columns WHERE table_name = $1 ORDER BY ordinal_position", [table],
  );
  // Arrays of arrays and jsonb cannot ride in unnest() directly; they travel as text, as in the product.
  const wire = (udt: string) => (udt === "jsonb" || udt.startsWith("_") ? "text" : udt);
  const read = (c: { column_name: string; udt_name: string }) =>
    c.udt_name === "jsonb" ? `"${c.column_name}"::jsonb` : c.udt_name.startsWith("_") ? `ARRAY(SELECT jsonb_array_elements_text("${c.column_name}"::jsonb))` : `"${c.column_name}"`;
  const names = cols.map((c) => `"${c.column_name}"`).join(", ");
  const sql = `INSERT INTO "${table}" (${names})
    SELECT ${cols.map(read).join(", ")} FROM unnest(${cols.map((c, i) => `$${i + 1}::${wire(c.udt_name)}[]`).join(", ")}) AS t(${names})
    ON CONFLICT (project_id, external_id) DO UPDATE SET ${cols.filter((c) => !["project_id", "external_id"].includes(c.column_name)).map((c) => `"${c.column_name}" = EXCLUDED."${c.column_name}"`).join(", ")}`;
  for (let i = 0; i < rows.length; i += batch) {
    const part = rows.slice(i, i + batch);
    const params = cols.map((c) =>
      part.map((r) => {
        const v = c.column_name === "project_id" ? projectId : r[c.column_name];
        return v !== null && (c.udt_name === "jsonb" || c.udt_name.startsWith("_")) ? JSON.stringify(v) : v;
      }),
    );
    await pool.query(sql, params);
  }
}

async function rawInsertEvents(pool: pg.Pool, events: Record<string, unknown>[], projectId: string, batch: number): Promise<void> {
  const cols = ["project_id", "category", "event_type", "occurred_at", "actor", "source", "source_ref", "source_url", "payload", "evidence_refs", "dedupe_key"];
  const types = ["uuid", "text", "text", "timestamptz", "text", "text", "text", "text", "text", "text", "text"];
  const sql = `INSERT INTO kag_event_log (${cols.join(", ")})
    SELECT project_id, category::"EventCategory", event_type, occurred_at, actor, source, source_ref, source_url, payload::jsonb, evidence_refs::jsonb, dedupe_key
    FROM unnest(${types.map((t, i) => `$${i + 1}::${t}[]`).join(", ")}) AS t(${cols.join(", ")})
    ON CONFLICT (project_id, dedupe_key) DO NOTHING`;
  for (let i = 0; i < events.length; i += batch) {
    const part = events.slice(i, i + batch);
    await pool.query(sql, cols.map((c) => part.map((e) => (c === "project_id" ? projectId : c === "payload" || c === "evidence_refs" ? JSON.stringify(e[c]) : e[c]))));
  }
}

async function naiveUpsert(db: BenchDb, model: Case["model"], rows: Record<string, unknown>[], events: Record<string, unknown>[], projectId: string): Promise<void> {
  // The same data through the ORM, one round trip per row and per event.
  const delegate = db.prisma[model] as unknown as { upsert(args: unknown): Promise<unknown> };
  const eventsOf = new Map<string, Record<string, unknown>[]>();
  for (const e of events) {
    const id = String(e.source_ref ?? "").split(":").pop()!;
    eventsOf.set(id, [...(eventsOf.get(id) ?? []), e]);
  }
  for (const r of rows) {
    const data = { ...r, projectId };
    await delegate.upsert({ where: { projectId_externalId: { projectId, externalId: r.externalId } }, create: data, update: data });
    for (const e of eventsOf.get(String(r.externalId)) ?? []) {
      await db.prisma.eventLog.createMany({
        data: [{ projectId, category: "domain", eventType: String(e.event_type), occurredAt: e.occurred_at as Date, actor: String(e.actor), source: String(e.source), sourceRef: e.source_ref as string, sourceUrl: e.source_url as string | null, payload: e.payload as object, evidenceRefs: e.evidence_refs as object, dedupeKey: String(e.dedupe_key) }],
        skipDuplicates: true,
      });
    }
  }
}

async function main() {
  const db = await benchDatabase();
  const sims = await startSimProcess({ seed: 2026, projects: 1, days: 60, end: END, situations: ["aging_blockers", "scope_creep"], extraLinearIssues: LINEAR_ISSUES, extraAttioCompanies: ATTIO_COMPANIES });
  const env = benchEnv();
  const results: (string | number)[][] = [["connector / table", "records", "events", "full rec/s", "raw rows rec/s", "raw rows+events rec/s", "naive rows+events rec/s", "full/raw rows", "full/raw rows+events", "full/naive", "targets"]];
  let allMet = true;
  try {
    const source = await newProject(db.prisma, "full-path");
    const b = sims.bindings[0]!;
    for (const c of ["chatwoot", "linear", "attio"] as const) await bindSource(db.prisma, env, { projectId: source.id, connector: c, ...b[c], isDemo: false });
    for (const k of CASES) {
      // No client-side rate limit: we measure our code and the database, not the provider's budget.
      const full = await timed(() => runConnectorSync(db.prisma, env, { projectId: source.id, connector: k.connector, now: END, http: { ratePerSecond: 1e6 } }));
      if (full.value.status !== "ok") throw new Error(`${k.connector} sync failed: ${JSON.stringify(full.value)}`);
      const { rows } = await db.pool.query(`SELECT * FROM "${k.table}" WHERE project_id = $1`, [source.id]);
      const n = rows.length;

      const rawProject = await newProject(db.prisma, `raw-${k.connector}`);
      const raw = await timed(() => rawUpsert(db.pool, k.table, rows, rawProject.id, k.pageSize));
      const events = (await db.pool.query(`SELECT * FROM kag_event_log WHERE project_id = $1 AND source = $2 AND category = 'domain'`, [source.id, k.connector])).rows;
      const rawEvProject = await newProject(db.prisma, `raw-ev-${k.connector}`);
      const rawEv = await timed(async () => {
        await rawUpsert(db.pool, k.table, rows, rawEvProject.id, k.pageSize);
        await rawInsertEvents(db.pool, events, rawEvProject.id, Math.ceil((k.pageSize * events.length) / Math.max(1, n)));
      });

      const naiveProject = await newProject(db.prisma, `naive-${k.connector}`);
      const ormRows = (await (db.prisma[k.model] as unknown as { findMany(a: unknown): Promise<Record<string, unknown>[]> }).findMany({ where: { projectId: source.id }, take: NAIVE_SAMPLE }));
      const naive = await timed(() => naiveUpsert(db, k.model, ormRows, events, naiveProject.id));

      const fullRate = n / (full.ms / 1000);
      const rawRate = n / (raw.ms / 1000);
      const rawEvRate = n / (rawEv.ms / 1000);
      const naiveRate = ormRows.length / (naive.ms / 1000);
      const met = fullRate >= 0.5 * rawEvRate && fullRate >= 10 * naiveRate;
      allMet &&= met;
      results.push([`${k.connector} / ${k.table}`, fmt(n), fmt(events.length), fmt(fullRate), fmt(rawRate), fmt(rawEvRate), fmt(naiveRate), `${fmt((100 * fullRate) / rawRate)}%`, `${fmt((100 * fullRate) / rawEvRate)}%`, `${fmt(fullRate / naiveRate, 1)}×`, met ? "met" : "MISSED"]);
      const counters = full.value.counters;
      console.log(`${k.connector}: full sync ${fmt(full.ms)} ms (${counters.httpRequests} HTTP requests, ${counters.eventsWritten ?? 0} events); raw rows ${fmt(raw.ms)} ms, raw rows+events ${fmt(rawEv.ms)} ms, in batches of ${k.pageSize}; naive ${fmt(naive.ms)} ms for ${fmt(ormRows.length)} rows and their events`);
    }
  } finally {
    await sims.close();
    await db.drop();
  }
  console.log("");
  console.log("Ingest throughput, records/s (same data, same run). Targets: full ≥ 50% of raw rows+events (the same rows and");
  console.log("event rows the sync wrote, inserted raw), full ≥ 10× naive (rows and their events, one ORM call each).");
  console.log("full/raw rows shows what the event log costs on top of the mirror.");
  printTable(results);
  if (!allMet) process.exitCode = 1;
}

await main();
