// The project-local cluster that scripts/db/up.sh provisions when DATABASE_URL is not set.
// Keep in sync with scripts/db/lib.sh.
export function localDatabaseUrl(database = "controltower"): string {
  const port = process.env.LOCAL_PG_PORT ?? "54329";
  return `postgresql://controltower:controltower@127.0.0.1:${port}/${database}`;
}
