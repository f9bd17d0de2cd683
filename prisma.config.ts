import { defineConfig } from "prisma/config";

// Only used by the Prisma CLI (generate; migrate deploy where the schema engine is reachable).
export default defineConfig({
  schema: "prisma/schema.prisma",
  migrations: { path: "prisma/migrations" },
  datasource: { url: process.env.DATABASE_URL ?? "postgresql://controltower:controltower@127.0.0.1:54329/controltower" },
});
