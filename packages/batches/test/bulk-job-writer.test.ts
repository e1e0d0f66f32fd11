import { startTestRedis, type TestRedis } from "@tat-bulk/test-support";
import { type Job, Worker } from "bullmq";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ChunkJobData } from "../src/batch-types.js";
import { BulkJobWriter, type BulkJobWriterOptions, type ChunkJob } from "../src/bulk-job-writer.js";
import { loadAddStandardJob } from "../src/bullmq-internals.js";
import { CHUNK_JOB_OPTIONS, createChunkQueue } from "../src/chunk-queue.js";

let server: TestRedis;
let redis: Redis;
const closers: Array<() => Promise<unknown>> = [];
beforeAll(async () => {
  server = await startTestRedis();
  redis = new Redis(server.url, { maxRetriesPerRequest: null });
});
afterAll(async () => {
  for (const close of closers.reverse()) await close();
  redis.disconnect();
  await server.close();
});

let queues = 0;
function writerOn(options: BulkJobWriterOptions = {}) {
  const queue = createChunkQueue(`writer-${++queues}`, redis);
  closers.push(() => queue.close());
  return { queue, writer: new BulkJobWriter(redis, queue, options) };
}

const jobs = (batchId: string, count: number, extra: Partial<ChunkJob["opts"]> = {}): ChunkJob[] =>
  Array.from({ length: count }, (_, index) => ({
    name: "chunk",
    data: { batchId, index },
    opts: { ...CHUNK_JOB_OPTIONS, ...extra, jobId: `${batchId}-${index}` },
  }));

/** A queue's state with its own name, the jobs' timestamps and the events' IDs taken out. */
async function snapshot(prefix: string, jobIds: string[]) {
  const hashes = await Promise.all(
    jobIds.map(async (id) => {
      const { timestamp, ...hash } = await redis.hgetall(`${prefix}:${id}`);
      expect(Number(timestamp)).toBeGreaterThan(0);
      return hash;
    }),
  );
  const events = (await redis.xrange(`${prefix}:events`, "-", "+")).map(([, fields]) => fields);
  return {
    hashes,
    wait: await redis.lrange(`${prefix}:wait`, 0, -1),
    delayed: await redis.zrange(`${prefix}:delayed`, 0, -1),
    events,
    marker: await redis.zrange(`${prefix}:marker`, 0, -1, "WITHSCORES"),
    counter: await redis.get(`${prefix}:id`),
  };
}

describe("BulkJobWriter", () => {
  it("runs BullMQ's own script, looped, with the installed BullMQ", () => {
    expect(writerOn().writer.fast).toBe(true);
    expect(writerOn({ script: null }).writer.fast).toBe(false);
  });

  it("leaves Redis exactly as Queue.addBulk does", async () => {
    const fast = writerOn();
    const plain = writerOn();
    const list = jobs("bat-1", 250);
    await Promise.all([fast.writer.add(list.slice(0, 100)), fast.writer.add(list.slice(100))]);
    await plain.queue.addBulk(list);
    const ids = list.map((job) => job.opts.jobId);
    const written = await snapshot(fast.queue.toKey("").slice(0, -1), ids);
    expect(written.wait).toHaveLength(250);
    expect(written.hashes[7]).toMatchObject({ name: "chunk", data: '{"batchId":"bat-1","index":7}' });
    expect(written).toEqual(await snapshot(plain.queue.toKey("").slice(0, -1), ids));
  });

  it("writes jobs a BullMQ worker runs, in order", async () => {
    const { queue, writer } = writerOn();
    await writer.add(jobs("bat-2", 30));
    const seen: number[] = [];
    const done = new Promise<void>((resolve) => {
      const worker = new Worker<ChunkJobData>(
        queue.name,
        async (job: Job<ChunkJobData>) => {
          seen.push(job.data.index);
          if (seen.length === 30) resolve();
        },
        { connection: { url: server.url }, prefix: queue.opts.prefix ?? "bull" },
      );
      closers.push(() => worker.close());
    });
    await done;
    expect(seen).toEqual(Array.from({ length: 30 }, (_, i) => i));
  });

  it("adds a job ID that already exists once, as BullMQ does", async () => {
    const { queue, writer } = writerOn();
    await writer.add(jobs("bat-3", 5));
    await writer.add(jobs("bat-3", 6));
    expect(await queue.getWaitingCount()).toBe(6);
  });

  it("falls back to addBulk for a job that is not a standard one, and without the script", async () => {
    const delayed = writerOn();
    await delayed.writer.add(jobs("bat-4", 3, { delay: 60_000 }));
    expect(await delayed.queue.getDelayedCount()).toBe(3);
    const plain = writerOn();
    const fallback = writerOn({ script: null });
    const list = jobs("bat-5", 20);
    await plain.queue.addBulk(list);
    await fallback.writer.add(list);
    const ids = list.map((job) => job.opts.jobId);
    expect(await snapshot(fallback.queue.toKey("").slice(0, -1), ids)).toEqual(
      await snapshot(plain.queue.toKey("").slice(0, -1), ids),
    );
  });

  it("says once, at start, that it uses addBulk when BullMQ has no script it knows", () => {
    const reasons: string[] = [];
    expect(writerOn({ script: null, onFallback: (reason) => reasons.push(reason) }).writer.fast).toBe(false);
    expect(reasons).toEqual([expect.stringContaining("no addStandardJob script")]);
  });

  it("switches to addBulk for good when the looped script fails at run time, losing no job", async () => {
    const reasons: string[] = [];
    const keys = loadAddStandardJob()?.keys ?? 0;
    const broken = { name: "addStandardJob", keys, content: "return redis.call('NOSUCHCOMMAND')" };
    const { queue, writer } = writerOn({ script: broken, onFallback: (reason) => reasons.push(reason) });
    expect(writer.fast).toBe(true);
    await writer.add(jobs("bat-7", 5));
    expect(writer.fast).toBe(false);
    await writer.add(jobs("bat-8", 5));
    expect(await queue.getWaitingCount()).toBe(10);
    expect(reasons).toEqual([expect.stringContaining("failed")]);
  });

  it("rejects a slice BullMQ refuses, writing none of it", async () => {
    const { queue, writer } = writerOn();
    const list = jobs("bat-6", 3);
    const bad = { ...list[1], opts: { ...CHUNK_JOB_OPTIONS, jobId: "42" } } as ChunkJob;
    await expect(writer.add([list[0], bad, list[2]] as ChunkJob[])).rejects.toThrow(
      "Custom Id cannot be integers",
    );
    expect(await queue.getWaitingCount()).toBe(0);
  });
});
