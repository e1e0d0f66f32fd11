import { DeadLetters, Reconciler } from "@tat-bulk/batches";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cvmIds, metricValue, type Stack, startStack } from "./worker-harness.js";

let stack: Stack;
let redis: Redis;
let letters: DeadLetters;
beforeAll(async () => {
  stack = await startStack();
  redis = new Redis(stack.redisUrl, { maxRetriesPerRequest: null });
  letters = new DeadLetters(redis, stack.queueName);
});
afterAll(async () => {
  await letters?.close();
  redis?.disconnect();
  await stack?.close();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("a chunk job that keeps meeting an unforeseen error", () => {
  it("is parked with its error after WORKER_JOB_MAX_ERRORS in a row, left alone, and sent again on request", async () => {
    // Written before any worker runs, then its chunk record corrupted: every attempt to read it fails.
    const batchId = await stack.submit(cvmIds(10));
    const chunksKey = stack.store.keys.chunks(batchId);
    const record = await redis.hget(chunksKey, "0");
    expect(record).not.toBeNull();
    await redis.hset(chunksKey, "0", "not a chunk record");
    const worker = await stack.startWorker({ WORKER_JOB_MAX_ERRORS: "2" });

    let parked = await letters.list();
    for (let i = 0; i < 100 && parked.length === 0; i++) {
      await sleep(100);
      parked = await letters.list();
    }
    expect(parked).toHaveLength(1);
    expect(parked[0]).toMatchObject({ Queue: "chunks", BatchId: batchId, Index: 0, Errors: 2 });
    expect(parked[0]?.Error).toMatch(/^2 errors in a row; the last: /);
    expect(await metricValue(worker, "tat_bulk_jobs_parked_total", { queue: "chunks" })).toBe(1);
    // Parked means parked: no third attempt (the catch-all would retry every 2 s).
    const retriesBefore = await metricValue(worker, "tat_bulk_chunk_retries_total", {
      reason: "WorkerError",
    });
    await sleep(2500);
    expect(await metricValue(worker, "tat_bulk_chunk_retries_total", { reason: "WorkerError" })).toBe(
      retriesBefore,
    );
    expect((await stack.store.reads.summary(batchId))?.FinishedAt ?? null).toBeNull();
    // The reconciler (which retries failed jobs) leaves a parked one where it is.
    const reconciler = new Reconciler({
      redis,
      keys: stack.store.keys,
      queue: stack.store.queue,
      jobs: stack.store.jobs,
    });
    for (let pass = 0; pass < 2; pass++) {
      const { repairs } = await reconciler.pass();
      expect(repairs.filter((r) => r.batchId === batchId)).toEqual([]);
    }
    expect(await letters.list()).toHaveLength(1);

    // Fixed, and sent again: the batch ends.
    await redis.hset(chunksKey, "0", record ?? "");
    const jobId = parked[0]?.JobId ?? "";
    expect(await letters.retry("chunks", jobId)).toBe("retried");
    expect(await letters.retry("chunks", jobId)).toBe("not-found");
    expect(await stack.waitForBatch(batchId)).toMatchObject({ Status: "SUCCEEDED" });
    expect(await letters.list()).toEqual([]);
  }, 60_000);
});
