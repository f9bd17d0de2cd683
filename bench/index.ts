export {};
// npm run bench — every benchmark, one after another (each prints its own table).
const BENCHES = ["ingest", "similar", "jobs", "pipeline"] as const;

const only = process.argv[2];
for (const name of BENCHES) {
  if (only && only !== name) continue;
  console.log(`\n=== bench: ${name} ===`);
  await import(`./${name}.ts`);
}
