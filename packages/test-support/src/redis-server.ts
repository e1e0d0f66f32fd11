import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
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

export interface RedisServerOptions {
  /** AOF persistence, with this fsync policy (off: nothing kept on disk). */
  appendfsync?: "always" | "everysec" | "no";
  /** More redis-server arguments (`--maxmemory 50mb`, `--replicaof …`). */
  args?: readonly string[];
}

/** A redis-server this process started, which a test can kill and start again on the same port and data. */
export interface RedisServer extends TestRedis {
  port: number;
  /** Kills the server (SIGKILL: no shutdown save) and waits for it to exit. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Starts it again on the same port and directory, and waits for it to answer. */
  restart(): Promise<void>;
}

/** A fresh `redis-server` on a free port, in a directory of its own. */
export async function startRedisServer(options: RedisServerOptions = {}): Promise<RedisServer> {
  const port = await freePort();
  const dir = await mkdtemp(join(tmpdir(), "tat-bulk-redis-"));
  const url = `redis://127.0.0.1:${port}`;
  const persistence = options.appendfsync
    ? ["--appendonly", "yes", "--appendfsync", options.appendfsync]
    : ["--appendonly", "no"];
  const args = [
    "--port",
    String(port),
    "--bind",
    "127.0.0.1",
    "--dir",
    dir,
    "--save",
    "",
    ...persistence,
    ...(options.args ?? []),
  ];
  let child: ChildProcess | undefined;
  let exited = Promise.resolve();
  const launch = async () => {
    const started = spawn("redis-server", [...args, "--daemonize", "no"], { stdio: "ignore" });
    child = started;
    exited = new Promise<void>((resolve) => started.once("exit", () => resolve()));
    await waitForPing(url, Date.now() + 10_000);
  };
  const kill = async (signal: NodeJS.Signals = "SIGKILL") => {
    if (child?.exitCode === null && child.signalCode === null) child.kill(signal);
    await exited;
  };
  await launch();
  return {
    url,
    port,
    kill,
    restart: launch,
    close: once(async () => {
      await kill("SIGTERM");
      await rm(dir, { recursive: true, force: true });
    }),
  };
}

/**
 * A private Redis for one test file: `REDIS_URL` when set (tests then isolate themselves through
 * queue names), otherwise a fresh `redis-server` on a free port, with nothing kept on disk.
 */
export async function startTestRedis(externalUrl = process.env.REDIS_URL): Promise<TestRedis> {
  if (externalUrl) return { url: externalUrl, close: async () => undefined };
  return startRedisServer();
}

/** A private Redis (as startTestRedis) with a client connected to it; close ends both. */
export async function connectTestRedis(): Promise<{ redis: Redis; url: string; close(): Promise<void> }> {
  const server = await startTestRedis();
  const redis = new Redis(server.url, { maxRetriesPerRequest: null });
  return {
    redis,
    url: server.url,
    close: once(async () => {
      redis.disconnect();
      await server.close();
    }),
  };
}
