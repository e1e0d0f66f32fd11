import { fileURLToPath } from "node:url";
import { type ServiceProcess, spawnService } from "@tat-bulk/test-support";

const WORKER_MAIN = fileURLToPath(new URL("../dist/main.js", import.meta.url));

/** Runs the built worker (`npm run start:worker`'s entry point) as a real process; `ready` is its health URL. */
export function spawnWorker(env: Record<string, string>): Promise<ServiceProcess> {
  return spawnService(WORKER_MAIN, { ...env, LOG_LEVEL: "info" }, /"health":"([^"]+)"/);
}

/** A counter's value scraped from a worker's /metrics (summed over matching label sets). */
export async function scrapeCounter(healthUrl: string, name: string): Promise<number> {
  const text = await (await fetch(`${healthUrl}/metrics`)).text();
  return text
    .split("\n")
    .filter((line) => line.startsWith(name) && !line.startsWith("#"))
    .reduce((sum, line) => sum + Number(line.split(" ").pop()), 0);
}
