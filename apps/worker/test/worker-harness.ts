import { randomBytes } from "node:crypto";
import {
  type BatchCallFields,
  type Batches,
  type BatchSummary,
  type ChunkView,
  type InstanceView,
  openBatches,
} from "@tat-bulk/batches";
import { once, SIMULATOR_CREDENTIALS } from "@tat-bulk/config";
import { chunkInstances } from "@tat-bulk/tat-api";
import { TatClient } from "@tat-bulk/tat-client";
import { createSimulator, loadSimConfig, type WorldFile, worldFrom } from "@tat-bulk/tat-sim";
import { cvmIds, SAMPLE_REQUEST, simAdmin, startTestRedis, type TestRedis } from "@tat-bulk/test-support";
import { Redis } from "ioredis";
import { pino } from "pino";
import { createWorkerApp, type WorkerApp } from "../src/app.js";
import { loadWorkerConfig } from "../src/env.js";

export const { secretId: SECRET_ID, secretKey: SECRET_KEY } = SIMULATOR_CREDENTIALS;

/** The SDK's client on the simulator's credentials (a test's own calls, beside the workers'). */
export const simClient = (endpoint: string) =>
  new TatClient({ endpoint, secretId: SECRET_ID, secretKey: SECRET_KEY, timeoutMs: 5000 });

export interface SimStats {
  calls: Record<string, Record<string, number>>;
  windows: Record<
    string,
    {
      accepted: number;
      maxAcceptedIn1000ms: number;
      maxArrivalsIn1000ms: number;
      firstAcceptedAt: number | null;
      lastAcceptedAt: number | null;
    }
  >;
  invokers: number;
  duplicates: number;
  /** The simulator's own longest event-loop stall since its counters were last reset, ms. */
  eventLoopDelayMaxMs: number;
}

export interface Stack {
  redisUrl: string;
  simUrl: string;
  queueName: string;
  store: Batches;
  workers: WorkerApp[];
  /** Env for a worker of this stack (in-process or a child process). */
  workerEnv(overrides?: Record<string, string>): Record<string, string>;
  startWorker(overrides?: Record<string, string>): Promise<WorkerApp>;
  /** Writes a batch as the intake would (into this stack's queue, or `on`'s); answers its ID. */
  submit(instanceIds: string[], request?: Partial<BatchCallFields>, on?: Batches): Promise<string>;
  /** Another queue's batch store on this stack's Redis (closed with the stack). */
  storeFor(queueName: string): Batches;
  /** Polls until the batch is final; `on` reads it from another queue's store. */
  waitForBatch(batchId: string, timeoutMs?: number, on?: Batches): Promise<BatchSummary>;
  chunks(batchId: string): Promise<ChunkView[]>;
  /** Every instance of the batch with its outcome (the instances route's rows). */
  instances(batchId: string, on?: Batches): Promise<InstanceView[]>;
  /** A queue of its own with a worker of its own (with these settings) draining it. */
  lane(workerOverrides?: Record<string, string>): Promise<{ store: Batches; worker: WorkerApp }>;
  admin<T = SimStats>(method: string, path: string, body?: unknown): Promise<T>;
  close(): Promise<void>;
}

export const baseRequest: BatchCallFields = {
  ...SAMPLE_REQUEST,
  Name: "worker-test",
  Region: "ap-guangzhou",
};
export { cvmIds };

export async function startStack(
  options: { simEnv?: Record<string, string>; world?: WorldFile; simUrl?: string } = {},
): Promise<Stack> {
  const redis: TestRedis = await startTestRedis();
  const sim = options.simUrl
    ? undefined
    : createSimulator(
        loadSimConfig({ PORT: "0", ...options.simEnv }),
        pino({ level: "silent" }),
        options.world ? worldFrom(options.world) : undefined,
      );
  const simUrl = options.simUrl ?? (await sim?.listen(0, "127.0.0.1")) ?? "";
  const queueName = `worker-test-${randomBytes(4).toString("hex")}`;
  const client = new Redis(redis.url);
  const stores: Batches[] = [];
  const storeFor = (name: string) => {
    const opened = openBatches(client, name, { log: pino({ level: "silent" }) });
    stores.push(opened);
    return opened;
  };
  const store = storeFor(queueName);
  const workers: WorkerApp[] = [];
  const callAdmin = simAdmin(simUrl);
  const workerEnv = (overrides: Record<string, string> = {}) => ({
    REDIS_URL: redis.url,
    QUEUE_NAME: queueName,
    PORT: "0",
    HOST: "127.0.0.1",
    LOG_LEVEL: "silent",
    TENCENTCLOUD_SECRET_ID: SECRET_ID,
    TENCENTCLOUD_SECRET_KEY: SECRET_KEY,
    TAT_ENDPOINT: simUrl,
    TAT_RETRY_BASE_MS: "50",
    TAT_RETRY_MAX_MS: "200",
    ...overrides,
  });
  const stack: Stack = {
    redisUrl: redis.url,
    simUrl,
    queueName,
    store,
    workers,
    workerEnv,
    async startWorker(overrides = {}) {
      const app = createWorkerApp(loadWorkerConfig(workerEnv(overrides)), pino({ level: "silent" }));
      workers.push(app);
      await app.start();
      return app;
    },
    storeFor,
    async submit(instanceIds, request = {}, on = store) {
      const { chunks, uniqueCount, duplicatesRemoved } = chunkInstances(instanceIds, 100);
      const result = await on.writer.create({
        request: { ...baseRequest, ...request },
        chunks,
        instanceCount: uniqueCount,
        duplicatesRemoved,
      });
      if (result.kind !== "created") throw new Error(result.kind);
      return result.summary.BatchId;
    },
    async waitForBatch(batchId, timeoutMs = 20_000, on = store) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const summary = await on.reads.summary(batchId);
        if (summary?.FinishedAt) return summary;
        if (Date.now() > deadline)
          throw new Error(`batch ${batchId} not finished: ${JSON.stringify(summary?.Counts)}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
    async chunks(batchId) {
      return (await store.reads.chunkPage(batchId, { offset: 0, limit: 10_000 })).items;
    },
    async instances(batchId, on = store) {
      return (await on.reads.instancePage(batchId, { offset: 0, limit: 100_000 })).items;
    },
    async lane(workerOverrides = {}) {
      const name = `${queueName}-${randomBytes(3).toString("hex")}`;
      const laneStore = storeFor(name);
      const worker = await stack.startWorker({ ...workerOverrides, QUEUE_NAME: name });
      return { store: laneStore, worker };
    },
    admin<T>(method: string, path: string, body?: unknown) {
      return callAdmin<T>(method, path, body);
    },
    close: once(async () => {
      await Promise.all(workers.map((w) => w.close()));
      await Promise.all(stores.map((s) => s.close()));
      client.disconnect();
      await sim?.close();
      await redis.close();
    }),
  };
  return stack;
}

/** A metric's value from a worker's registry (summed over the label sets that match). */
export async function metricValue(
  app: WorkerApp,
  name: string,
  labels: Record<string, string> = {},
): Promise<number> {
  const metric = await app.metrics.registry.getSingleMetric(name)?.get();
  return (metric?.values ?? [])
    .filter((v) => Object.entries(labels).every(([k, value]) => String(v.labels[k]) === value))
    .filter((v) => !("metricName" in v) || v.metricName === name || v.metricName === undefined)
    .reduce((sum, v) => sum + v.value, 0);
}
