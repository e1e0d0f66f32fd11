import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

const WORKER_MAIN = fileURLToPath(new URL("../dist/main.js", import.meta.url));

export interface WorkerProcess {
  child: ChildProcess;
  healthUrl: string;
  exited: Promise<number | null>;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Runs the built worker (`npm run start:worker`'s entry point) as a real process. */
export async function spawnWorker(env: Record<string, string>): Promise<WorkerProcess> {
  const child = spawn(process.execPath, [WORKER_MAIN], {
    env: { PATH: process.env.PATH ?? "", ...env, LOG_LEVEL: "info" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  let stderr = "";
  child.stderr?.on("data", (d: Buffer) => {
    stderr += d.toString();
  });
  const healthUrl = await new Promise<string>((resolve, reject) => {
    let buffer = "";
    const timer = setTimeout(() => reject(new Error(`worker did not start: ${stderr}`)), 10_000);
    child.stdout?.on("data", (d: Buffer) => {
      buffer += d.toString();
      const match = /"health":"([^"]+)"/.exec(buffer);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    void exited.then((code) => reject(new Error(`worker exited ${code}: ${stderr}`)));
  });
  return {
    child,
    healthUrl,
    exited,
    async stop(signal = "SIGTERM") {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

/** A counter's value scraped from a worker's /metrics (summed over matching label sets). */
export async function scrapeCounter(healthUrl: string, name: string): Promise<number> {
  const text = await (await fetch(`${healthUrl}/metrics`)).text();
  return text
    .split("\n")
    .filter((line) => line.startsWith(name) && !line.startsWith("#"))
    .reduce((sum, line) => sum + Number(line.split(" ").pop()), 0);
}
