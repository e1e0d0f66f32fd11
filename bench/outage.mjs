// npm run bench:outage — TAT unavailable (InternalError to every call) for BENCH_OUTAGE_SECONDS
// (default 120; the case is 600), while a batch of 3,000 instances waits, through the built
// intake, one worker with its default circuit-breaker settings, and the simulator. Then TAT recovers.
import {
  cvmIds,
  intakeCaller,
  sampleBatch,
  simAdmin,
  simulatorWorkerEnv,
  startTestRedis,
} from "@tat-bulk/test-support";
import { printTable, startIntake, startSim, startWorker } from "./lib.mjs";

const OUTAGE_S = Number(process.env.BENCH_OUTAGE_SECONDS ?? 120);
const FAULT = process.env.BENCH_OUTAGE_FAULT ?? "internal-error-before";
const CHUNKS = 30;
const KEY = "bench-key-0123456789abcdef";

const redis = await startTestRedis();
const sim = await startSim({});
const queue = { REDIS_URL: redis.url, QUEUE_NAME: "bench-outage" };
const worker = await startWorker({ ...queue, ...simulatorWorkerEnv(sim.ready) });
const intake = await startIntake({ ...queue, INTAKE_API_KEYS: KEY });
const admin = simAdmin(sim.ready);
const api = intakeCaller(intake.ready, KEY);

await admin("POST", "/outage", { durationMs: OUTAGE_S * 1000, fault: FAULT });
const { BatchId } = await api.post("/v1/invoker-batches", sampleBatch(cvmIds(CHUNKS * 100)));
const final = await api.waitForBatch(BatchId, (OUTAGE_S + 120) * 1000);
const report = await admin("GET", "/outage");
const batch = await api.get(`/v1/invoker-batches/${BatchId}?chunkLimit=100`);
const stats = await admin("GET", "/stats");
// When TAT was back to full speed: the first invoker after recovery, and the creation rate after it.
const created = (await admin("GET", "/invokers")).invokers
  .map((i) => i.createdAtMs ?? Date.parse(i.CreatedTime))
  .sort((a, b) => a - b);
const firstAfter = (created[0] ?? report.until) - report.until;
const spanS = ((created.at(-1) ?? 0) - (created[0] ?? 0)) / 1000;
const rateAfter = spanS > 0 ? (created.length - 1) / spanS : 0;

const after30 = report.calls.filter((c) => c.atMs >= 30_000).map((c) => c.atMs);
let densest = 0;
for (const at of after30) densest = Math.max(densest, after30.filter((t) => t >= at && t < at + 5000).length);
const attempts = batch.Chunks.map((c) => c.Attempts);
printTable(
  ["measure", "value"],
  [
    ["outage", `${OUTAGE_S} s of ${FAULT} to every action`],
    [
      "batch",
      `${final.Status}: ${final.Instances.Succeeded} instances succeeded, ${final.Instances.Failed} failed`,
    ],
    ["chunks FAILED", String(batch.Chunks.filter((c) => c.Status === "FAILED").length)],
    ["calls sent into the outage", String(report.calls.length)],
    ["calls after its first 30 s", `${after30.length} (at most ${densest} in any 5 s)`],
    ["chunk attempts (max)", String(Math.max(...attempts))],
    ["first invoker after recovery", `${(firstAfter / 1000).toFixed(1)} s`],
    ["creates after that", `${rateAfter.toFixed(1)} per second (${created.length} invokers)`],
    [
      "batch finished after recovery",
      `${((Date.parse(final.FinishedAt) - report.until) / 1000).toFixed(1)} s`,
    ],
    ["duplicate invokers", String(stats.duplicates)],
  ],
);

await Promise.all([worker.stop(), intake.stop(), sim.stop()]);
await redis.close();
