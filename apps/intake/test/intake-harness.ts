import { randomBytes } from "node:crypto";
import { type ChunkJobData, createChunkQueue } from "@tat-bulk/chunk-queue";
import { once } from "@tat-bulk/config";
import { cvmIds, namespaceKeys, sampleBatch, startTestRedis, type TestRedis } from "@tat-bulk/test-support";
import type { Queue } from "bullmq";
import { Redis } from "ioredis";
import { pino } from "pino";
import { createIntakeApp } from "../src/app.js";
import { loadIntakeConfig } from "../src/env.js";

export const API_KEY = "test-key-0123456789abcdef";

export interface IntakeHarness {
  baseUrl: string;
  /** A connection of the test's own, to look at what the intake wrote. */
  redis: Redis;
  queueName: string;
  queue: Queue<ChunkJobData>;
  request(path: string, init?: RequestInit & { json?: unknown; key?: string | null }): Promise<Response>;
  /** Every Redis key holding batch or job state (BullMQ's own bookkeeping keys aside). */
  keys(): Promise<string[]>;
  close(): Promise<void>;
}

/** The intake as main.ts runs it (createIntakeApp), on a free port, with a queue of its own. */
export async function startIntake(
  options: { now?: () => Date; redis?: TestRedis; env?: Record<string, string> } = {},
): Promise<IntakeHarness> {
  const testRedis = options.redis ?? (await startTestRedis());
  const queueName = `intake-test-${randomBytes(4).toString("hex")}`;
  const config = loadIntakeConfig({
    REDIS_URL: testRedis.url,
    QUEUE_NAME: queueName,
    PORT: "0",
    HOST: "127.0.0.1",
    INTAKE_API_KEYS: `${API_KEY},second-key-0123456789abcdef`,
    ...options.env,
  });
  const app = createIntakeApp(config, pino({ level: "silent" }), options.now ? { now: options.now } : {});
  const baseUrl = await app.start();
  const redis = new Redis(testRedis.url);
  const queue = createChunkQueue(queueName, redis);
  // The queue writes its meta key on first use; do it now so key snapshots compare like with like.
  await queue.waitUntilReady();
  await queue.getJobCounts();
  return {
    baseUrl,
    redis,
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
    keys: () => namespaceKeys(redis, queueName),
    close: once(async () => {
      await app.close();
      await queue.close();
      redis.disconnect();
      if (!options.redis) await testRedis.close();
    }),
  };
}

export const validBatch = (instanceIds: string[] = ["ins-yx05ky8j", "lhins-abcdefgh"]) => ({
  ...sampleBatch(instanceIds),
  Name: "patch-fleet",
});

export { cvmIds };
