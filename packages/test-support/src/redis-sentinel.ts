import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { once } from "@tat-bulk/config";
import { Redis } from "ioredis";
import { freePort } from "./free-port.js";
import { type RedisServer, type RedisServerOptions, startRedisServer } from "./redis-server.js";

export const SENTINEL_NAME = "tatbulk";

/** A primary, its replicas and three Sentinels (Debian's `redis-sentinel`), each a process of its own. */
export interface TestSentinels {
  /** `host:port` of every Sentinel, for REDIS_SENTINELS. */
  sentinels: string[];
  name: string;
  /** Every data server (the first started as the primary; after a failover another is). */
  servers: RedisServer[];
  /** The server the Sentinels name as primary now. */
  primary(): Promise<RedisServer>;
  /** SIGKILLs the primary and waits until the Sentinels name another; answers the killed one. */
  failover(timeoutMs?: number): Promise<RedisServer>;
  /** A failover of a live primary (SENTINEL FAILOVER): it is demoted, not killed; answers the new one. */
  switchover(timeoutMs?: number): Promise<RedisServer>;
  /** SIGSTOPs (or SIGCONTs) the i-th Sentinel: one that accepts connections and never answers. */
  freeze(index: number, frozen: boolean): void;
  close(): Promise<void>;
}

export interface SentinelOptions {
  replicas?: number;
  redis?: RedisServerOptions;
  /** How long a silent primary takes to be called down (ms). */
  downAfterMs?: number;
}

async function linkedUp(url: string, timeoutMs = 15_000): Promise<void> {
  const client = new Redis(url, { maxRetriesPerRequest: 1 });
  client.on("error", () => undefined);
  try {
    const deadline = Date.now() + timeoutMs;
    while (!(await client.info("replication")).includes("master_link_status:up")) {
      if (Date.now() > deadline) throw new Error(`replica ${url} did not sync`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  } finally {
    client.disconnect();
  }
}

export async function startSentinels(options: SentinelOptions = {}): Promise<TestSentinels> {
  const dir = await mkdtemp(join(tmpdir(), "tat-bulk-sentinel-"));
  const servers: RedisServer[] = [];
  const children: ChildProcess[] = [];
  const sentinels: string[] = [];
  const close = once(async () => {
    await Promise.all(
      children.map(
        (child) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) return resolve();
            child.once("exit", () => resolve());
            child.kill("SIGCONT"); // a frozen one would not see the SIGTERM
            child.kill("SIGTERM");
          }),
      ),
    );
    await Promise.all(servers.map((s) => s.close()));
    await rm(dir, { recursive: true, force: true });
  });
  const frozen = new Set<number>();
  const ask = async () => {
    for (const [i, sentinel] of sentinels.entries()) {
      if (frozen.has(i)) continue;
      const [host, port] = sentinel.split(":");
      const client = new Redis({
        host,
        port: Number(port),
        lazyConnect: true,
        maxRetriesPerRequest: 0,
        commandTimeout: 1000, // one stopped by hand (not by freeze) accepts and never answers
      });
      client.on("error", () => undefined);
      try {
        await client.connect();
        const answer = (await client.call("SENTINEL", "get-master-addr-by-name", SENTINEL_NAME)) as
          | string[]
          | null;
        if (answer) return Number(answer[1]);
      } catch {
        // The next one.
      } finally {
        client.disconnect();
      }
    }
    return undefined;
  };
  try {
    const primary = await startRedisServer(options.redis);
    servers.push(primary);
    for (let i = 0; i < (options.replicas ?? 1); i++) {
      const replicaOf = ["--replicaof", "127.0.0.1", String(primary.port)];
      servers.push(
        await startRedisServer({ ...options.redis, args: [...(options.redis?.args ?? []), ...replicaOf] }),
      );
    }
    // Each replica has its first copy before anything is written (a WAIT counts it from then).
    for (const replica of servers.slice(1)) await linkedUp(replica.url);
    for (let i = 0; i < 3; i++) {
      const port = await freePort();
      const conf = join(dir, `sentinel-${port}.conf`);
      await writeFile(
        conf,
        [
          `port ${port}`,
          "bind 127.0.0.1",
          `dir ${dir}`,
          `sentinel monitor ${SENTINEL_NAME} 127.0.0.1 ${primary.port} 2`,
          `sentinel down-after-milliseconds ${SENTINEL_NAME} ${options.downAfterMs ?? 1000}`,
          `sentinel failover-timeout ${SENTINEL_NAME} 10000`,
          `sentinel parallel-syncs ${SENTINEL_NAME} 1`,
          "",
        ].join("\n"),
      );
      children.push(spawn("redis-sentinel", [conf], { stdio: "ignore" }));
      sentinels.push(`127.0.0.1:${port}`);
    }
    const deadline = Date.now() + 10_000;
    while ((await ask()) !== primary.port) {
      if (Date.now() > deadline) throw new Error("the Sentinels did not name the primary");
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  } catch (error) {
    await close();
    throw error;
  }
  const primaryNow = async () => {
    const port = await ask();
    const server = servers.find((s) => s.port === port);
    if (!server) throw new Error(`the Sentinels name no server of this set (${port})`);
    return server;
  };
  return {
    sentinels,
    name: SENTINEL_NAME,
    servers,
    primary: primaryNow,
    async failover(timeoutMs = 30_000) {
      const old = await primaryNow();
      await old.kill("SIGKILL");
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const port = await ask();
        if (port !== undefined && port !== old.port) return old;
        if (Date.now() > deadline) throw new Error("no failover");
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    },
    async switchover(timeoutMs = 30_000) {
      const old = await primaryNow();
      const [host, port] = (sentinels[0] ?? "").split(":");
      const client = new Redis({ host, port: Number(port), maxRetriesPerRequest: 0 });
      client.on("error", () => undefined);
      const deadline = Date.now() + timeoutMs;
      try {
        // Sentinels learn of the replicas from the primary's INFO, every 10 s at first.
        for (;;) {
          const refused = await client.call("SENTINEL", "FAILOVER", SENTINEL_NAME).then(
            () => undefined,
            (error: unknown) => (error instanceof Error ? error.message : String(error)),
          );
          if (refused === undefined) break;
          if (!refused.startsWith("NOGOODSLAVE") || Date.now() > deadline) throw new Error(refused);
          await new Promise((resolve) => setTimeout(resolve, 250));
        }
      } finally {
        client.disconnect();
      }
      for (;;) {
        const now = await primaryNow().catch(() => undefined);
        if (now && now.port !== old.port) return now;
        if (Date.now() > deadline) throw new Error("no switchover");
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    },
    freeze(index, stop) {
      if (stop) frozen.add(index);
      else frozen.delete(index);
      children[index]?.kill(stop ? "SIGSTOP" : "SIGCONT");
    },
    close,
  };
}
