// npm run bench:drain — drains 20,000 instances (200 chunks) through the service with 1, 2, 4 and 8
// worker processes against the simulator in sliding-window mode with 20 ms arrival jitter and 5%
// ambiguous InternalError (the invoker is created, then the call fails), while a busy process
// loads the CPU; then the plain-BullMQ limiter as the baseline. BENCH_INSTANCES, BENCH_WORKERS
// (e.g. "1,8"), BENCH_BASELINE=0 (skip it), BENCH_SIM_PRIORITY=normal, BENCH_JITTER_MS and BENCH_CPU_LOAD vary the run.
// BENCH_FOLLOWED=10: first 10 small ONCE batches fire and their runs (tasks of 2 minutes) are
// followed while the drain goes on, to show that following runs does not slow CreateInvoker.
import { spawn } from "node:child_process";
import { BatchReads, redisKeys } from "@tat-bulk/batches";
import { DEFAULT_SIM_CREDENTIALS } from "@tat-bulk/tat-sim";
import { intakeCaller, simAdmin, spawnService, startTestRedis } from "@tat-bulk/test-support";
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import {
  cvmIds,
  percentile,
  printTable,
  ROOT,
  raiseSimPriority,
  startIntake,
  startSim,
  startWorker,
  TRACING,
} from "./lib.mjs";

const INSTANCES = Number(process.env.BENCH_INSTANCES ?? 20_000);
const FOLLOWED = Number(process.env.BENCH_FOLLOWED ?? 0);
const WORKERS = (process.env.BENCH_WORKERS ?? "1,2,4,8").split(",").map(Number);
const BASELINE = process.env.BENCH_BASELINE !== "0";
const KEY = "bench-key-0123456789abcdef";
const [SECRET_ID, SECRET_KEY] = DEFAULT_SIM_CREDENTIALS.split(":");
const request = {
  Name: "bench",
  Type: "SCHEDULE",
  CommandId: "cmd-m7uma92n",
  ScheduleSettings: { Policy: "RECURRENCE", Recurrence: "0 0 1 * *" },
};

const redis = await startTestRedis();
const JITTER_MS = process.env.BENCH_JITTER_MS ?? "20";
const sim = await startSim({
  TAT_SIM_RATE_WINDOW: "sliding",
  TAT_SIM_P_INTERNAL_ERROR_AFTER: "0.05",
  TAT_SIM_ARRIVAL_JITTER_MS: JITTER_MS,
  ...(FOLLOWED ? { TAT_SIM_TASK_DURATION_MS: "120000" } : {}),
});
const simPriority =
  process.env.BENCH_SIM_PRIORITY === "normal" ? "simulator at normal priority" : raiseSimPriority(sim);
// A loaded CPU: busy processes beside the workers (BENCH_CPU_LOAD of them; the machine has 2 cores).
const busy = Array.from({ length: Number(process.env.BENCH_CPU_LOAD ?? 1) }, () =>
  spawn(process.execPath, ["-e", "for(;;){}"], { stdio: "ignore" }),
);
const admin = simAdmin(sim.ready);
const client = new Redis(redis.url);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function simFigures(stats) {
  const window = Object.entries(stats.windows).find(([key]) => key.startsWith("CreateInvoker|"))?.[1];
  const limit = stats.rate.limit;
  // Accepted calls per second over the limit: 20 per the average span of 21 acceptances in a row
  // (from the first to the last acceptance would flatter a short run whose windows begin faster
  // than they end).
  return {
    ratio: (window.steadyAcceptedPerSecond / limit).toFixed(3),
    closest: window.closestArrivalsSpanMs.toFixed(1),
    // Arrivals are the simulator's receipt + jitter: its own stalls move them, not the limiter.
    stall: stats.eventLoopDelayMaxMs.toFixed(1),
    rejected: stats.calls.CreateInvoker?.RequestLimitExceeded ?? 0,
    maxArrivals: window.maxArrivalsIn1000ms,
    duplicates: stats.duplicates,
    calls: Object.values(stats.calls.CreateInvoker ?? {}).reduce((a, b) => a + b, 0),
    checks: Object.values(stats.calls.DescribeAutomationAgentStatus ?? {}).reduce((a, b) => a + b, 0),
  };
}

const figureCells = (f) => [f.ratio, f.checks, f.rejected, f.maxArrivals, f.closest, f.stall, f.duplicates];

/**
 * BENCH_FOLLOWED small ONCE batches fired, their runs going on (tasks of 2 minutes): what the
 * drain then shares the workers with. Answers a check that they are still followed afterwards.
 */
async function followedRuns(api) {
  if (!FOLLOWED) return async () => "-";
  const at = new Date(Math.ceil((Date.now() + 8000) / 1000) * 1000).toISOString().replace(/\.000Z$/, "Z");
  const ids = [];
  for (let i = 0; i < FOLLOWED; i++) {
    const { BatchId } = await api.post("/v1/invoker-batches", {
      ...request,
      ScheduleSettings: { Policy: "ONCE", InvokeTime: at },
      InstanceIds: cvmIds(100, 10_000_000 + i * 100),
    });
    ids.push(BatchId);
  }
  const running = async () => {
    let n = 0;
    for (const id of ids) {
      const { Runs } = await api.get(`/v1/invoker-batches/${id}/runs`);
      if (Runs[0]?.Status === "RUNNING") n++;
    }
    return n;
  };
  for (let i = 0; i < 120 && (await running()) < FOLLOWED; i++) await sleep(250);
  // The drain's figures count from here: the followed batches' creates are not part of them.
  await admin("POST", "/stats/reset");
  return running;
}

async function runService(workers) {
  await admin("POST", "/reset");
  const queueName = `bench-drain-${workers}`;
  const common = { REDIS_URL: redis.url, QUEUE_NAME: queueName };
  const intake = await startIntake({ ...common, INTAKE_API_KEYS: KEY });
  const procs = await Promise.all(
    Array.from({ length: workers }, () =>
      startWorker({
        ...common,
        TAT_ENDPOINT: sim.ready,
        TENCENTCLOUD_SECRET_ID: SECRET_ID,
        TENCENTCLOUD_SECRET_KEY: SECRET_KEY,
      }),
    ),
  );
  const api = intakeCaller(intake.ready, KEY);
  const followed = await followedRuns(api);
  const { BatchId } = await api.post("/v1/invoker-batches", { ...request, InstanceIds: cvmIds(INSTANCES) });
  await api.waitForBatch(BatchId, 600_000);
  const status = await api.get(`/v1/invoker-batches/${BatchId}?chunkLimit=1`);
  const createdAt = Date.parse(status.CreatedAt);
  const chunks = [...(await new BatchReads(client, redisKeys(queueName)).allChunks(BatchId)).values()];
  const latencies = chunks.filter((c) => c.doneAt).map((c) => (c.doneAt - createdAt) / 1000);
  const scraped = await Promise.all(procs.map(async (p) => (await fetch(`${p.ready}/metrics`)).text()));
  const adopted = scraped.map((text) =>
    Number(/^tat_bulk_invokers_adopted_total (\d+)/m.exec(text)?.[1] ?? 0),
  );
  const sum = (name) =>
    scraped.reduce(
      (total, text) => total + Number(new RegExp(`^${name} (\\S+)`, "m").exec(text)?.[1] ?? 0),
      0,
    );
  const lateness =
    (1000 * sum('tat_bulk_rate_send_lateness_seconds_sum\\{action="CreateInvoker"\\}')) /
    sum('tat_bulk_rate_send_lateness_seconds_count\\{action="CreateInvoker"\\}');
  const skipped = sum('tat_bulk_rate_slots_skipped_total\\{action="CreateInvoker"\\}');
  const figures = simFigures(await admin("GET", "/stats"));
  const stillFollowed = await followed();
  await Promise.all([...procs.map((p) => p.stop()), intake.stop()]);
  return [
    `tat-bulk, ${workers} worker${workers > 1 ? "s" : ""}${FOLLOWED ? `, ${stillFollowed} runs followed` : ""}`,
    ...figureCells(figures),
    lateness.toFixed(2),
    skipped,
    adopted.reduce((a, b) => a + b, 0),
    `${status.Status} (${status.Counts.Succeeded}/${status.ChunkCount})`,
    percentile(latencies, 50).toFixed(1),
    percentile(latencies, 99).toFixed(1),
  ];
}

async function runPlainBullmq(workers) {
  await admin("POST", "/reset");
  const queueName = "bench-plain";
  const queue = new Queue(queueName, { connection: { url: redis.url } });
  const procs = await Promise.all(
    Array.from({ length: workers }, () =>
      spawnService(
        [`${ROOT}bench/plain-bullmq-worker.mjs`],
        {
          REDIS_URL: redis.url,
          QUEUE_NAME: queueName,
          TAT_ENDPOINT: sim.ready,
          TENCENTCLOUD_SECRET_ID: SECRET_ID,
          TENCENTCLOUD_SECRET_KEY: SECRET_KEY,
        },
        /"health":"([^"]+)"/,
      ),
    ),
  );
  const ids = cvmIds(INSTANCES);
  const enqueuedAt = Date.now();
  await queue.addBulk(
    Array.from({ length: Math.ceil(INSTANCES / 100) }, (_, i) => ({
      name: "chunk",
      data: { request: { ...request, InstanceIds: ids.slice(i * 100, i * 100 + 100) } },
      opts: { attempts: 20, backoff: { type: "fixed", delay: 1000 }, removeOnComplete: false },
    })),
  );
  let counts;
  do {
    await sleep(250);
    counts = await queue.getJobCounts(
      "completed",
      "failed",
      "waiting",
      "active",
      "delayed",
      "prioritized",
      "waiting-children",
    );
  } while (counts.completed + counts.failed < Math.ceil(INSTANCES / 100));
  const completed = await queue.getJobs(["completed"], 0, -1);
  const latencies = completed.map((job) => (job.finishedOn - enqueuedAt) / 1000);
  const figures = simFigures(await admin("GET", "/stats"));
  await Promise.all(procs.map((p) => p.stop()));
  await queue.close();
  return [
    `plain BullMQ limiter, ${workers} workers`,
    ...figureCells(figures),
    "-",
    "-",
    "-",
    `${counts.completed}/${counts.completed + counts.failed} ok`,
    percentile(latencies, 50).toFixed(1),
    percentile(latencies, 99).toFixed(1),
  ];
}

const rows = [];
for (const workers of WORKERS) rows.push(await runService(workers));
if (BASELINE) rows.push(await runPlainBullmq(2));
console.log(
  `\nDraining ${INSTANCES.toLocaleString("en")} instances (${Math.ceil(INSTANCES / 100)} chunks) into the simulator ` +
    `(sliding window, 20/s, ${JITTER_MS} ms arrival jitter, 5% InternalError after the invoker was created, ` +
    `${busy.length} busy process(es) loading the CPU, ${simPriority}, tracing ${TRACING ? "on" : "off"}):\n`,
);
printTable(
  [
    "run",
    "accepted/s ÷ 20",
    "agent checks",
    "RequestLimitExceeded",
    "max arrivals in 1000 ms",
    "closest 21 arrivals (ms)",
    "simulator's longest stall (ms)",
    "duplicates",
    "send lateness mean (ms)",
    "slots skipped",
    "adopted",
    "outcome",
    "p50 enqueue→created (s)",
    "p99 (s)",
  ],
  rows,
);
for (const p of busy) p.kill();
client.disconnect();
await sim.stop();
await redis.close();
