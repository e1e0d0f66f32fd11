import { type ServiceProcess, startApp } from "@tat-bulk/test-support";

/** Runs the built worker (`npm run start:worker`'s entry point) as a real process; `ready` is its health URL. */
export function spawnWorker(env: Record<string, string>): Promise<ServiceProcess> {
  return startApp("worker", { ...env, LOG_LEVEL: "info" });
}

/** A counter's value scraped from a worker's /metrics (summed over matching label sets). */
export async function scrapeCounter(healthUrl: string, name: string): Promise<number> {
  const text = await (await fetch(`${healthUrl}/metrics`)).text();
  return text
    .split("\n")
    .filter((line) => line.startsWith(name) && !line.startsWith("#"))
    .reduce((sum, line) => sum + Number(line.split(" ").pop()), 0);
}
