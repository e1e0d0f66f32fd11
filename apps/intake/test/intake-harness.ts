import { randomBytes } from "node:crypto";
import type { AddressInfo } from "node:net";
import { BatchStore } from "@tat-bulk/batches";
import { startTestRedis, type TestRedis } from "@tat-bulk/test-support";
import { Redis } from "ioredis";
import { pino } from "pino";
import { createApp } from "../src/app.js";
import { createIntakeMetrics } from "../src/metrics.js";

export const API_KEY = "test-key-0123456789abcdef";

export interface IntakeHarness {
  baseUrl: string;
  redis: Redis;
  store: BatchStore;
  queueName: string;
  queue: BatchStore["queue"];
  request(path: string, init?: RequestInit & { json?: unknown; key?: string | null }): Promise<Response>;
  /** Every Redis key holding batch or job state (BullMQ's own bookkeeping keys aside). */
  keys(): Promise<string[]>;
  close(): Promise<void>;
}

export async function startIntake(
  options: { now?: () => Date; redis?: TestRedis } = {},
): Promise<IntakeHarness> {
  const testRedis = options.redis ?? (await startTestRedis());
  const queueName = `intake-test-${randomBytes(4).toString("hex")}`;
  const redis = new Redis(testRedis.url);
  const store = new BatchStore(redis, queueName);
  const queue = store.queue;
  const metrics = createIntakeMetrics(queue, () => redis.ping());
  // The queue writes its meta key on first use; do it now so key snapshots compare like with like.
  await queue.waitUntilReady();
  await queue.getJobCounts();
  const app = createApp({
    redis,
    store,
    metrics,
    logger: pino({ level: "silent" }),
    apiKeys: [API_KEY, "second-key-0123456789abcdef"],
    defaultRegion: "ap-guangzhou",
    rateLimit: 20,
    bodyLimit: "8mb",
    ...(options.now ? { now: options.now } : {}),
  });
  const server = app.listen(0, "127.0.0.1");
  await new Promise((resolve) => server.once("listening", resolve));
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  let closing: Promise<void> | undefined;
  return {
    baseUrl,
    redis,
    store,
    queue,
    queueName,
    request(path, init = {}) {
      const { json, key = API_KEY, headers, ...rest } = init;
      const h = new Headers(headers);
      if (key !== null) h.set("authorization", `Bearer ${key}`);
      if (json !== undefined) h.set("content-type", "application/json");
      return fetch(`${baseUrl}${path}`, {
        ...rest,
        headers: h,
        ...(json !== undefined ? { body: JSON.stringify(json) } : {}),
      });
    },
    async keys() {
      const ours = await redis.keys(`tat-bulk:${queueName}:*`);
      // events (a log), id (a counter), marker and meta say nothing about which jobs exist.
      const bookkeeping = /:(events|id|marker|meta)$/;
      const jobs = (await redis.keys(`bull:${queueName}:*`)).filter((k) => !bookkeeping.test(k));
      return [...ours, ...jobs].sort();
    },
    close() {
      closing ??= (async () => {
        server.closeAllConnections();
        await new Promise((resolve) => server.close(resolve));
        await queue.close();
        redis.disconnect();
        if (!options.redis) await testRedis.close();
      })();
      return closing;
    },
  };
}

export const validBatch = (instanceIds: string[] = ["ins-yx05ky8j", "lhins-abcdefgh"]) => ({
  Name: "patch-fleet",
  Type: "SCHEDULE",
  CommandId: "cmd-m7uma92n",
  InstanceIds: instanceIds,
  ScheduleSettings: { Policy: "RECURRENCE", Recurrence: "0 0 1 * *" },
});

export const cvmIds = (n: number, offset = 0) =>
  Array.from({ length: n }, (_, i) => `ins-${(i + offset).toString(36).padStart(8, "0")}`);
