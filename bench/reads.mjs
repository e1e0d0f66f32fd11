// npm run bench:reads — what reading a large batch costs: a 100,000-instance batch with about 5,000
// failed instances (5% offline agents, found by the agent check), drained through the built intake,
// one worker and the simulator; then, against the intake alone, p50 and p99 of its status, of an
// instances page (all, and FAILED only), of a status read filtering chunks by status, and of what
// the console reads per 2-second refresh.
import { intakeCaller, sampleBatch, simulatorWorkerEnv, startTestRedis } from "@tat-bulk/test-support";
import { cvmIds, percentile, printTable, startIntake, startSim, startWorker } from "./lib.mjs";

const INSTANCES = Number(process.env.BENCH_INSTANCES ?? 100_000);
const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 200);
const KEY = "bench-key-0123456789abcdef";

const redis = await startTestRedis();
const sim = await startSim({ TAT_SIM_OFFLINE_RATE: "0.05", TAT_SIM_RATE_LIMIT: "1000" });
const queue = { REDIS_URL: redis.url, QUEUE_NAME: "bench-reads" };
const worker = await startWorker({
  ...queue,
  ...simulatorWorkerEnv(sim.ready),
  TAT_RATE_LIMIT: "400",
  TAT_RATE_LIMITS: "DescribeAutomationAgentStatus=400",
});
const intake = await startIntake({
  ...queue,
  INTAKE_API_KEYS: KEY,
  // The per-caller request limit (50/s) would measure itself, not the reads.
  INTAKE_CALLER_REQUESTS_PER_SECOND: "1000000",
});
const api = intakeCaller(intake.ready, KEY);
const { BatchId } = await api.post("/v1/invoker-batches", sampleBatch(cvmIds(INSTANCES)));
const drained = await api.waitForBatch(BatchId, 900_000);
await worker.stop();

const base = `${intake.ready}/v1/invoker-batches/${BatchId}`;
const headers = { authorization: `Bearer ${KEY}` };
const get = async (path) => {
  const res = await fetch(`${base}${path}`, { headers });
  if (!res.ok) throw new Error(`GET ${path}: ${res.status}`);
  return res.json();
};
async function timed(label, read) {
  for (let i = 0; i < 5; i++) await read(i);
  const ms = [];
  for (let i = 0; i < SAMPLES; i++) {
    const t0 = performance.now();
    await read(i);
    ms.push(performance.now() - t0);
  }
  return [label, percentile(ms, 50).toFixed(1), percentile(ms, 99).toFixed(1)];
}
const failed = drained.Instances.Failed;
const pageAt = (total, i) => Math.floor((((i * 7919) % 100) / 100) * Math.max(0, total - 100));
/** Every failed instance, 10,000 a page: what the console read each refresh to group them by code. */
async function allFailed() {
  for (let offset = 0; offset < failed; offset += 10_000)
    await get(`/instances?status=FAILED&offset=${offset}&limit=10000`);
}
const status = await get("");
const partial = (await get("?status=PARTIALLY_FAILED&chunkLimit=0")).ChunkTotal;
const rows = [
  await timed("status (GET /v1/invoker-batches/{id})", () => get("")),
  await timed("instances page, 100 of all", (i) =>
    get(`/instances?offset=${pageAt(INSTANCES, i)}&limit=100`),
  ),
  await timed("instances page, 100 FAILED", (i) =>
    get(`/instances?status=FAILED&offset=${pageAt(failed, i)}&limit=100`),
  ),
  await timed("status with 100 PARTIALLY_FAILED chunks (?status=)", (i) =>
    get(`?status=PARTIALLY_FAILED&chunkOffset=${pageAt(partial, i)}&chunkLimit=100`),
  ),
  await timed("every FAILED instance (10,000 a page)", () => allFailed()),
  await timed(
    "console refresh (status; failures by code)",
    status.FailedByCode
      ? () => get("")
      : async () => {
          await get("");
          await allFailed();
        },
  ),
];
await Promise.all([intake.stop(), sim.stop()]);
await redis.close();
console.log(
  `\n${INSTANCES.toLocaleString("en")} instances, ${failed.toLocaleString("en")} failed, ${drained.ChunkCount} chunks; ${SAMPLES} reads each, one at a time:\n`,
);
printTable(["read", "p50 (ms)", "p99 (ms)"], rows);
