import { spawn } from "node:child_process";
import path from "node:path";
import readline from "node:readline";
import type { GeneratorOptions } from "../../server/simulators/generator.ts";
import type { Simulators } from "../../server/simulators/index.ts";

// Benchmarks run the simulators in their own process, as a provider would be: the client's process
// then spends its CPU on our code only, and the provider's work overlaps with ours as it would in
// production.

type Bindings = ReturnType<Simulators["bindings"]>;
export type SimProcess = { bindings: Bindings[]; close(): Promise<void> };

const ROOT = path.resolve(import.meta.dirname, "../..");

export async function startSimProcess(opts: Omit<GeneratorOptions, "end"> & { end: Date; projects: number }): Promise<SimProcess> {
  const child = spawn(process.execPath, ["--import", "tsx", path.join(ROOT, "bench/lib/sim-child.ts")], {
    cwd: ROOT, stdio: ["ignore", "pipe", "inherit"], env: { ...process.env, SIM_OPTIONS: JSON.stringify({ ...opts, end: opts.end.toISOString() }) },
  });
  const lines = readline.createInterface({ input: child.stdout });
  const bindings = await new Promise<Bindings[]>((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`simulator process exited (${code}) before it was ready`)));
    lines.once("line", (line) => resolve(JSON.parse(line) as Bindings[]));
  });
  return {
    bindings,
    close: () => new Promise<void>((resolve) => {
      child.once("exit", () => resolve());
      child.kill("SIGTERM");
    }),
  };
}
