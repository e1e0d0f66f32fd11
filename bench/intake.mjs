// npm run bench:intake — accepting a 100,000-instance batch vs plain Queue.addBulk of the same
// chunk jobs, and requests/second for 100-instance batches under autocannon.
import { randomBytes } from "node:crypto";
import { CHUNK_JOB_OPTIONS, createChunkQueue } from "@tat-bulk/chunk-queue";
import { startRedisServer, startTestRedis } from "@tat-bulk/test-support";
import autocannon from "autocannon";
import { Redis } from "ioredis";
import { benchRequest, cvmIds, percentile, printTable, startBenchIntake, TRACING } from "./lib.mjs";

const RUNS = Number(process.env.BENCH_RUNS ?? 30);
const WARMUP = 5;
const KEY = "bench-key-0123456789abcdef";

// BENCH_APPENDFSYNC=everysec|always: Redis with AOF persistence at that fsync policy (unset: none).
// BENCH_REPLICAS=1: a replica beside it, and the intake answers 202 only once it holds the batch
// (INTAKE_MIN_REPLICAS=1: a WAIT after staging and after the commit).
const appendfsync = process.env.BENCH_APPENDFSYNC;
const replicas = Number(process.env.BENCH_REPLICAS ?? 0);
const redis =
  appendfsync || replicas
    ? await startRedisServer(appendfsync ? { appendfsync } : {})
    : await startTestRedis();
const replicaServers = [];
for (let i = 0; i < replicas; i++) {
  replicaServers.push(await startRedisServer({ args: ["--replicaof", "127.0.0.1", String(redis.port)] }));
}
if (replicas) {
  const primary = new Redis(redis.url);
  const connected = async () =>
    Number(/connected_slaves:(\d+)/.exec(await primary.info("replication"))?.[1] ?? 0);
  while ((await connected()) < replicas) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  // Their first copy done: a write they all confirm.
  await primary.set("bench:synced", "1");
  await primary.call("WAIT", replicas, 30_000);
  primary.disconnect();
}
console.log(
  `Redis persistence: ${appendfsync ? `AOF, appendfsync ${appendfsync}` : "none"}; replicas a batch must reach: ${replicas}`,
);
const intake = await startBenchIntake(KEY, {
  REDIS_URL: redis.url,
  INTAKE_MIN_REPLICAS: String(replicas),
});
const client = new Redis(redis.url);
const baselineQueue = createChunkQueue("bench-baseline", { url: redis.url });
const big = JSON.stringify(benchRequest(cvmIds(100_000)));

async function accept() {
  const started = performance.now();
  const res = await fetch(`${intake.ready}/v1/invoker-batches`, {
    method: "POST",
    headers: { authorization: `Bearer ${KEY}`, "content-type": "application/json" },
    body: big,
  });
  const body = await res.json();
  if (res.status !== 202 || body.ChunkCount !== 1000) throw new Error(JSON.stringify(body));
  lastBatchId = body.BatchId;
  return performance.now() - started;
}

let lastBatchId;
async function status() {
  const started = performance.now();
  const res = await fetch(`${intake.ready}/v1/invoker-batches/${lastBatchId}`, {
    headers: { authorization: `Bearer ${KEY}` },
  });
  const body = await res.json();
  if (res.status !== 200 || body.Chunks.length !== 100) throw new Error(JSON.stringify(body).slice(0, 200));
  return performance.now() - started;
}

async function addBulk() {
  const batchId = `bat-${randomBytes(8).toString("hex")}`;
  const jobs = Array.from({ length: 1000 }, (_, index) => ({
    name: "chunk",
    data: { batchId, index },
    opts: { ...CHUNK_JOB_OPTIONS, jobId: `${batchId}-${index}` },
  }));
  const started = performance.now();
  await baselineQueue.addBulk(jobs);
  return performance.now() - started;
}

// Warm both paths (the JIT, the connections, Redis's memory), then alternate so that neither gets
// a quieter Redis.
for (let i = 0; i < WARMUP; i++) {
  await accept();
  await addBulk();
  await client.flushall();
}
const acceptMs = [];
const addBulkMs = [];
const statusMs = [];
for (let i = 0; i < RUNS; i++) {
  acceptMs.push(await accept());
  addBulkMs.push(await addBulk());
  statusMs.push(await status());
  await client.flushall();
}

console.log(
  `\nAccepting one 100,000-instance batch (1,000 chunks), ${RUNS} runs each, tracing ${TRACING ? "on" : "off"}:\n`,
);
const fmt = (ms) => `${ms.toFixed(1)} ms`;
printTable(
  ["what", "p50", "p99"],
  [
    [
      "POST /v1/invoker-batches (HTTP, validate, dedupe, chunk, store, enqueue)",
      fmt(percentile(acceptMs, 50)),
      fmt(percentile(acceptMs, 99)),
    ],
    [
      "plain Queue.addBulk of the same 1,000 jobs",
      fmt(percentile(addBulkMs, 50)),
      fmt(percentile(addBulkMs, 99)),
    ],
    [
      "GET the batch's status (first page of 100 chunks)",
      fmt(percentile(statusMs, 50)),
      fmt(percentile(statusMs, 99)),
    ],
  ],
);
const ratio = (p) => (percentile(acceptMs, p) / percentile(addBulkMs, p)).toFixed(2);
console.log(`\nratio (p50): ${ratio(50)}x  (target: at most 1.5x); at p99: ${ratio(99)}x`);

const small = JSON.stringify(benchRequest(cvmIds(100)));
const result = await autocannon({
  url: `${intake.ready}/v1/invoker-batches`,
  method: "POST",
  headers: { authorization: `Bearer ${KEY}`, "content-type": "application/json" },
  body: small,
  connections: 32,
  duration: Number(process.env.BENCH_SECONDS ?? 10),
});
console.log(
  `\n100-instance batches under autocannon (32 connections, ${result.duration} s): ` +
    `${Math.round(result.requests.average)} requests/s, p50 ${result.latency.p50} ms, p99 ${result.latency.p99} ms, ` +
    `non-2xx ${result.non2xx}, errors ${result.errors}`,
);

await baselineQueue.close();
client.disconnect();
await intake.stop();
for (const replica of replicaServers) await replica.close();
await redis.close();
