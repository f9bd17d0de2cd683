export {};
// npm run bench — every benchmark, one after another (each prints its own table).
// npm run backtest — forecast and recommendation quality against planted outcomes (not a benchmark of
// speed, so `npm run bench` leaves it out).
const BENCHES = ["ingest", "similar", "jobs", "pipeline", "web"] as const;
const ON_REQUEST = ["backtest"] as const;

const only = process.argv[2];
if (only && ![...BENCHES, ...ON_REQUEST].includes(only as never)) {
  console.error(`unknown benchmark "${only}": one of ${[...BENCHES, ...ON_REQUEST].join(", ")}`);
  process.exit(2);
}
for (const name of only ? [only] : BENCHES) {
  console.log(`\n=== ${name} ===`);
  await import(`./${name}.ts`);
}
