import { Worker } from "bullmq";
import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chunkJobId } from "../src/chunk-queue.js";
import { Reconciler } from "../src/reconcile.js";
import { type BatchesRedis, cvmIds, dispatchAll, newBatch, startBatchesRedis } from "./batches-harness.js";

let redis: BatchesRedis;
const connections: Redis[] = [];
/** A connection of its own (the reconciler's WATCH, a BullMQ worker's blocking reads), closed after. */
const connection = () => {
  const opened = redis.redis.duplicate({ maxRetriesPerRequest: null });
  connections.push(opened);
  return opened;
};
beforeAll(async () => {
  redis = await startBatchesRedis();
});
afterAll(async () => {
  for (const opened of connections) opened.disconnect();
  await redis.close();
});

async function batchOf(chunks: number) {
  const pieces = redis.pieces();
  const created = await pieces.writer.create(newBatch(cvmIds(chunks * 100)));
  if (created.kind !== "created") throw new Error(created.kind);
  await dispatchAll(pieces);
  const reconciler = new Reconciler({
    redis: connection(),
    keys: pieces.keys,
    queue: pieces.queue,
    jobs: pieces.jobs,
  });
  return { pieces, batchId: created.summary.BatchId, reconciler };
}

/** Two passes: a difference is repaired only when seen twice. */
const twoPasses = async (reconciler: Reconciler) => [
  ...(await reconciler.pass()),
  ...(await reconciler.pass()),
];

describe("Reconciler", () => {
  it("leaves a healthy batch alone", async () => {
    const { reconciler } = await batchOf(3);
    expect(await twoPasses(reconciler)).toEqual([]);
  });

  it("leaves chunks waiting in the scheduler alone: they have no job yet", async () => {
    const pieces = redis.pieces();
    await pieces.writer.create(newBatch(cvmIds(300)));
    const reconciler = new Reconciler({
      redis: connection(),
      keys: pieces.keys,
      queue: pieces.queue,
      jobs: pieces.jobs,
    });
    expect(await twoPasses(reconciler)).toEqual([]);
  });

  it("adds again, under its ID, a job deleted behind the workers' back; once, and only when seen twice", async () => {
    const { pieces, batchId, reconciler } = await batchOf(3);
    const jobId = chunkJobId(batchId, 1);
    await pieces.queue.remove(jobId);
    expect(await reconciler.pass()).toEqual([]);
    expect(await reconciler.pass()).toEqual([{ kind: "missing-job", batchId, index: 1 }]);
    expect(await pieces.queue.getJobState(jobId)).toBe("waiting");
    expect(await twoPasses(reconciler)).toEqual([]);
  });

  it("retries a job left in the failed set, and adds again a job that completed while its chunk did not", async () => {
    const { pieces, batchId, reconciler } = await batchOf(2);
    const [first, second] = [chunkJobId(batchId, 0), chunkJobId(batchId, 1)];
    // A worker whose Redis failed under the first job, and that let the second end without its chunk.
    let settled = 0;
    const worker = new Worker(
      pieces.name,
      async (job) => {
        if (job.id === first) throw new Error("Reached the max retries per request limit");
      },
      { connection: connection(), prefix: pieces.queue.opts.prefix ?? "bull" },
    );
    await new Promise<void>((resolve) => {
      const done = () => ++settled === 2 && resolve();
      worker.on("failed", done);
      worker.on("completed", done);
    });
    await worker.close();
    expect(await pieces.queue.getJobState(first)).toBe("failed");
    expect(await twoPasses(reconciler)).toEqual([
      { kind: "failed-job", batchId, index: 0 },
      { kind: "finished-job", batchId, index: 1 },
    ]);
    expect(await pieces.queue.getJobState(first)).toBe("waiting");
    expect(await pieces.queue.getJobState(second)).toBe("waiting");
  });

  it("sets the batch's counters to the sum over its chunks", async () => {
    const { pieces, batchId, reconciler } = await batchOf(4);
    await redis.redis.hset(pieces.keys.batch(batchId), "queued", "1", "succeeded", "7");
    expect(await twoPasses(reconciler)).toEqual([{ kind: "counts", batchId }]);
    expect(await pieces.reads.summary(batchId)).toMatchObject({ Counts: { Queued: 4, Succeeded: 0 } });
  });

  it("settles a batch whose chunks are all final, and then forgets it", async () => {
    const { pieces, batchId, reconciler } = await batchOf(1);
    const chunk = await pieces.reads.chunk(batchId, 0);
    if (!chunk) throw new Error("no chunk");
    // The chunk's final write went through, but its batch's status did not follow (drift).
    await pieces.transitions.write(batchId, 0, chunk, {
      ...chunk,
      status: "SUCCEEDED",
      parts: [],
      invokers: [{ invokerId: "ivk-1", instanceIds: chunk.instanceIds, state: "ENABLED" }],
    });
    await redis.redis.hdel(pieces.keys.batch(batchId), "finishedAt");
    await redis.redis.hset(pieces.keys.batch(batchId), "status", "RUNNING");
    expect(await twoPasses(reconciler)).toEqual([{ kind: "settle", batchId }]);
    expect(await pieces.reads.summary(batchId)).toMatchObject({ Status: "SUCCEEDED" });
    await reconciler.pass();
    expect(await redis.redis.zscore(pieces.keys.unfinished, batchId)).toBeNull();
  });
});
