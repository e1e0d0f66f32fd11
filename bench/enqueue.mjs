// npm run bench:enqueue — what the dispatcher pays to put picked chunks on BullMQ's queue: one call
// of `depth` jobs at a time (the dispatcher adds about one budget's depth, ≈10, per pass) through
// its job sink (Queue.addBulk), on one Redis. BENCH_DEPTHS (default "1,10,100"), BENCH_CALLS (calls
// per round, default 300), BENCH_ROUNDS (default 6). Prints per-call p50/p99 and µs per job; at the
// budget's 20 calls/s the dispatcher adds 20 jobs a second, so its cost per second is 20 × µs per
// job. (Until 7acbf25 it also ran the looped-addStandardJob fast path, alternating with addBulk;
// those figures are in docs/performance.md.)
import { chunkJob, createChunkQueue, queueJobSink } from "@tat-bulk/chunk-queue";
import { startTestRedis } from "@tat-bulk/test-support";
import { Redis } from "ioredis";
import { percentile, printTable } from "./lib.mjs";

const DEPTHS = (process.env.BENCH_DEPTHS ?? "1,10,100").split(",").map(Number);
const CALLS = Number(process.env.BENCH_CALLS ?? 300);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 6);

const server = await startTestRedis();
const redis = new Redis(server.url, { maxRetriesPerRequest: null });
const paths = {
  "Queue.addBulk": (queue) => queueJobSink(queue),
};
const samples = new Map();
let n = 0;
for (let round = 0; round < ROUNDS; round++) {
  // With several paths, alternate which goes first, so a drift of the machine falls on all.
  const order = round % 2 === 0 ? Object.keys(paths) : Object.keys(paths).reverse();
  for (const depth of DEPTHS) {
    for (const path of order) {
      const queueName = `enqueue-bench-${n++}`;
      const queue = createChunkQueue(queueName, redis);
      const writer = paths[path](queue);
      const key = `${path}|${depth}`;
      const times = samples.get(key) ?? [];
      for (let call = 0; call < CALLS; call++) {
        const jobs = Array.from({ length: depth }, (_, i) =>
          chunkJob(`b${call}`, i, 0, { budget: "default|CreateInvoker|ap-beijing", slot: `s${call}-${i}` }),
        );
        const started = process.hrtime.bigint();
        await writer.add(jobs);
        times.push(Number(process.hrtime.bigint() - started) / 1000);
      }
      samples.set(key, times);
      await queue.obliterate({ force: true });
      await queue.close();
    }
  }
}
const rows = [];
for (const depth of DEPTHS) {
  for (const path of Object.keys(paths)) {
    const times = samples.get(`${path}|${depth}`);
    const p50 = percentile(times, 50);
    rows.push([
      String(depth),
      path,
      String(times.length),
      `${(p50 / 1000).toFixed(3)} ms`,
      `${(percentile(times, 99) / 1000).toFixed(3)} ms`,
      `${(p50 / depth).toFixed(0)} µs`,
      `${((20 * p50) / depth / 1000).toFixed(2)} ms/s`,
    ]);
  }
}
printTable(["jobs per call", "path", "calls", "p50", "p99", "per job (p50)", "at 20 jobs/s"], rows);
redis.disconnect();
await server.close();
