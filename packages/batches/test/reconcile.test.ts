import { chunkJobId } from "@tat-bulk/chunk-queue";
import { Worker } from "bullmq";
import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
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

const repairs = async (reconciler: Reconciler) => (await reconciler.pass()).repairs;
/** Two passes: a job or a settle is repaired only when seen twice. */
const twoPasses = async (reconciler: Reconciler) => [
  ...(await repairs(reconciler)),
  ...(await repairs(reconciler)),
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
    expect(await repairs(reconciler)).toEqual([]);
    expect(await repairs(reconciler)).toEqual([{ kind: "missing-job", batchId, index: 1 }]);
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

  it("sets the batch's counters to the sum over its chunks, in one pass", async () => {
    const { pieces, batchId, reconciler } = await batchOf(4);
    await redis.redis.hset(pieces.keys.batch(batchId), "queued", "1", "succeeded", "7", "failedCode:X", "3");
    expect(await repairs(reconciler)).toEqual([{ kind: "counts", batchId }]);
    expect(await pieces.reads.summary(batchId)).toMatchObject({
      Counts: { Queued: 4, Succeeded: 0 },
      FailedByCode: {},
    });
    expect(await twoPasses(reconciler)).toEqual([]);
  });

  it("never sets counters from chunks that a write overtook, even a write in the same millisecond", async () => {
    const { pieces, batchId } = await batchOf(2);
    const batchKey = pieces.keys.batch(batchId);
    const now = Date.now();
    const clock = vi.spyOn(Date, "now").mockReturnValue(now);
    try {
      // The reconciler's read of the counters comes after a chunk write that its read of the
      // chunks missed: its sums are stale, and updatedAt (one millisecond) cannot tell.
      let overtaken = false;
      const racing = new Proxy(connection(), {
        get(target, property) {
          const value = Reflect.get(target, property, target);
          if (property === "hgetall") {
            return async (...args: Parameters<Redis["hgetall"]>) => {
              // The counters read (the batch's hash), not the chunks' read.
              if (!overtaken && args[0] === batchKey) {
                overtaken = true;
                const chunk = await pieces.reads.chunk(batchId, 0);
                if (!chunk) throw new Error("no chunk");
                await pieces.transitions.write(batchId, 0, chunk, { ...chunk, status: "RUNNING" });
              }
              return target.hgetall(...args);
            };
          }
          return typeof value === "function" ? value.bind(target) : value;
        },
      });
      await redis.redis.hset(batchKey, "succeeded", "5");
      const reconciler = new Reconciler({
        redis: racing,
        keys: pieces.keys,
        queue: pieces.queue,
        jobs: pieces.jobs,
      });
      expect(await repairs(reconciler)).toEqual([]);
      expect(overtaken).toBe(true);
      expect(await redis.redis.hmget(batchKey, "queued", "running", "succeeded")).toEqual(["1", "1", "5"]);
      // The next pass reads a consistent state and repairs it.
      expect(await repairs(reconciler)).toEqual([{ kind: "counts", batchId }]);
      expect(await redis.redis.hmget(batchKey, "queued", "running", "succeeded")).toEqual(["1", "1", "0"]);
    } finally {
      clock.mockRestore();
    }
  });

  it("adds again a job whose record is in no BullMQ list (no worker would ever take it)", async () => {
    const { pieces, batchId, reconciler } = await batchOf(2);
    const jobId = chunkJobId(batchId, 1);
    const prefix = `${pieces.queue.opts.prefix}:${pieces.name}`;
    expect(await redis.redis.lrem(`${prefix}:wait`, 0, jobId)).toBe(1);
    expect(await pieces.queue.getJobState(jobId)).toBe("unknown");
    expect(await twoPasses(reconciler)).toEqual([{ kind: "orphan-job", batchId, index: 1 }]);
    expect(await pieces.queue.getJobState(jobId)).toBe("waiting");
  });

  it("goes on with the other batches when one cannot be read, and says which", async () => {
    const broken = await batchOf(1);
    const { pieces, batchId } = await batchOf(1);
    await redis.redis.hset(broken.pieces.keys.chunks(broken.batchId), "0", "not a chunk");
    await redis.redis.hset(pieces.keys.batch(batchId), "queued", "9");
    // One namespace per batchOf: a reconciler over both batches' namespace needs them in one.
    await redis.redis.zadd(pieces.keys.unfinished, 0, broken.batchId);
    await redis.redis.rename(broken.pieces.keys.batch(broken.batchId), pieces.keys.batch(broken.batchId));
    await redis.redis.rename(broken.pieces.keys.chunks(broken.batchId), pieces.keys.chunks(broken.batchId));
    const reconciler = new Reconciler({
      redis: connection(),
      keys: pieces.keys,
      queue: pieces.queue,
      jobs: pieces.jobs,
    });
    const pass = await reconciler.pass();
    expect(pass.errors).toEqual([
      { batchId: broken.batchId, error: expect.stringContaining("not a stored chunk") },
    ]);
    expect(pass.repairs).toEqual([{ kind: "counts", batchId }]);
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
