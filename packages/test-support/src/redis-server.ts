import { type ChildProcess, spawn } from "node:child_process";
import { once } from "@tat-bulk/config";
import { Redis } from "ioredis";
import { freePort } from "./free-port.js";

export interface TestRedis {
  url: string;
  close(): Promise<void>;
}

async function waitForPing(url: string, deadline: number): Promise<void> {
  for (;;) {
    const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    client.on("error", () => undefined);
    try {
      await client.connect();
      await client.ping();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    } finally {
      client.disconnect();
    }
  }
}

/**
 * A private Redis for one test file: `REDIS_URL` when set (tests then isolate isolation through
 * queue names), otherwise a fresh `redis-server` on a free port, with nothing kept on disk.
 */
export async function startTestRedis(externalUrl = process.env.REDIS_URL): Promise<TestRedis> {
  if (externalUrl) return { url: externalUrl, close: async () => undefined };
  const port = await freePort();
  const child: ChildProcess = spawn(
    "redis-server",
    ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--daemonize", "no"],
    { stdio: "ignore" },
  );
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const url = `redis://127.0.0.1:${port}`;
  await waitForPing(url, Date.now() + 10_000);
  return {
    url,
    close: once(async () => {
      child.kill("SIGTERM");
      await exited;
    }),
  };
}
