import fs from "node:fs";
import path from "node:path";
import type { GeneratorOptions } from "./generator.ts";
import { SIM_CHATWOOT_TOKEN, SIM_LOOPS_KEY } from "./index.ts";

// The demo workspace's simulated providers: the four demo projects, each with planted situations,
// served on fixed loopback ports so the project bindings stored in the database stay valid.

export const DEMO_SIM_BASE_PORT = Number(process.env.DEMO_SIM_BASE_PORT ?? 54410);
export const DEMO_PROFILES: NonNullable<GeneratorOptions["profiles"]> = [
  // Acme's people write in Russian, the others in English (drafts to a client follow the conversation's language).
  { clientName: "Acme", name: "Acme Web Relaunch", situations: ["client_silence"], language: "ru" },
  { clientName: "Globex", name: "Globex Mobile App", situations: ["aging_blockers", "scope_creep"], language: "en" },
  { clientName: "Initech", name: "Initech Data Migration", situations: ["budget_overrun"], language: "en" },
  { clientName: "Umbrella", name: "Umbrella Support Retainer", situations: ["upsell_need"], language: "en" },
];

/**
 * The demo's data ends on the day the demo was first started (kept in .data/demo-epoch), so every
 * later run serves the same records and re-syncs find nothing new.
 */
export function demoEpoch(root = path.resolve(import.meta.dirname, "../..")): Date {
  const file = path.join(root, ".data/demo-epoch");
  if (fs.existsSync(file)) return new Date(fs.readFileSync(file, "utf8").trim());
  const day = new Date();
  day.setUTCHours(0, 0, 0, 0);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, day.toISOString());
  return day;
}

export function demoGeneratorOptions(end: Date): GeneratorOptions & { projects: number; basePort: number } {
  return { seed: 2026, projects: DEMO_PROFILES.length, days: 90, end, profiles: DEMO_PROFILES, basePort: DEMO_SIM_BASE_PORT };
}

/** Where demo project `index` finds its simulated providers (the same as startSimulators().bindings). */
export function demoBindings(index: number) {
  const base = `http://127.0.0.1:`;
  return {
    chatwoot: { externalId: String(1000 + index), baseUrl: `${base}${DEMO_SIM_BASE_PORT}`, token: SIM_CHATWOOT_TOKEN },
    linear: { externalId: `lin-p${String(index).padStart(4, "0")}`, baseUrl: `${base}${DEMO_SIM_BASE_PORT + 1}`, token: `lin_api_lin-p${String(index).padStart(4, "0")}` },
    attio: { externalId: `attio-p${String(index).padStart(4, "0")}`, baseUrl: `${base}${DEMO_SIM_BASE_PORT + 2}`, token: `attio_attio-p${String(index).padStart(4, "0")}` },
    loops: { baseUrl: `${base}${DEMO_SIM_BASE_PORT + 3}`, token: SIM_LOOPS_KEY },
  };
}
