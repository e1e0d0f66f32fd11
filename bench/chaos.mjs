// npm run bench:chaos — a chaos soak through real processes: the simulator, the intake,
// BENCH_CHAOS_WORKERS (3) workers, and Redis with an append-only file (fsync every second).
// For BENCH_CHAOS_MINUTES (10) batches arrive while workers are SIGKILLed and replaced every
// 15–35 s, Redis's primary is SIGKILLed between two worker kills (BENCH_CHAOS_REDIS_RESTARTS, one
// per 5 minutes by default), and TAT has outages; 5% of calls are ambiguous InternalErrors (the
// invoker exists), 5% plain ones, 1% of agents offline. Two profiles (BENCH_CHAOS_MODE):
// - lifecycle (default): Redis behind three Sentinels (a failover, the old primary back as replica
//   3 s later) with INTAKE_MIN_REPLICAS=1; ONCE batches of 1 to 20,000 instances (log-uniform), firing
//   a minute after their submit (their runs followed), every 2 s from 3 callers, 3% cancelled, 5% of
//   submissions also retrying an earlier batch; outages of
//   5–60 s every 60–150 s; afterwards the workers restart with BATCH_RETENTION=20s and every batch
//   must expire, Redis's memory back near its start.
// - restarts: one Redis restarted 3 s after its SIGKILL; 100–4,000 instances every 1.5 s from one
//   caller; one 20 s outage at 70% of the run (the worker-kills-around-a-restart bug's soak).
// Every accepted batch must become final (the check waits while batches keep becoming final; one
// open after BENCH_CHAOS_SETTLE_S (300) without any other finishing is stuck), and the invariants
// hold: none stuck or missing, no duplicate invoker, the instances reported succeeded exactly those
// TAT holds an invoker for, every count adding up, no job in a failed set (and in lifecycle, every
// batch expired). BENCH_CHAOS_RUNS repeats it; BENCH_CHAOS_SEED replays a run. Exits non-zero when
// an invariant breaks.
import { runChaos } from "@tat-bulk/test-support";
import { printTable } from "./lib.mjs";

const mode = process.env.BENCH_CHAOS_MODE ?? "lifecycle";
if (mode !== "lifecycle" && mode !== "restarts") throw new Error("BENCH_CHAOS_MODE: lifecycle or restarts");
const minutes = Number(process.env.BENCH_CHAOS_MINUTES ?? 10);
const runs = Number(process.env.BENCH_CHAOS_RUNS ?? 1);
const workers = Number(process.env.BENCH_CHAOS_WORKERS ?? 3);
const restarts = Number(process.env.BENCH_CHAOS_REDIS_RESTARTS ?? Math.max(1, Math.round(minutes / 5)));
const settleS = Number(process.env.BENCH_CHAOS_SETTLE_S ?? 300);
const firstSeed = Number(process.env.BENCH_CHAOS_SEED ?? Date.now() % 1_000_000);

const PROFILES = {
  lifecycle: {
    redis: "sentinel",
    submitEveryMs: 2000,
    sizes: [1, 20_000],
    spread: "log",
    callers: 3,
    cancelShare: 0.03,
    retryShare: 0.05,
    onceAfterMs: 60_000,
    outageMs: 0,
    outages: { everyMs: [60_000, 150_000], durationMs: [5000, 60_000] },
    intakeEnv: { INTAKE_MIN_REPLICAS: "1" },
    retentionAfter: { retention: "20s", timeoutMs: 180_000 },
  },
  restarts: {
    redis: "restart",
    submitEveryMs: 1500,
    sizes: [100, 4000],
    outageMs: 20_000,
  },
};
const mb = (bytes) => (bytes === undefined ? "-" : (bytes / 1048576).toFixed(1));

console.log(
  `chaos (${mode}): ${runs} run(s) of ${minutes} min, ${workers} workers, ${restarts} Redis fault(s) per run, settle ${settleS} s`,
);
const rows = [];
let failures = 0;
for (let run = 0; run < runs; run++) {
  const seed = firstSeed + run;
  const report = await runChaos({
    name: `bench-chaos-${seed}`,
    durationMs: minutes * 60_000,
    settleMs: settleS * 1000,
    workers,
    workerKillEveryMs: [15_000, 35_000],
    redisRestarts: restarts,
    redisDownMs: 3000,
    seed,
    ...PROFILES[mode],
    log: (line) => console.log(`  [run ${run + 1}, seed ${seed}] ${line}`),
  });
  const v = report.verdict;
  if (!report.held) {
    failures++;
    console.log(
      JSON.stringify(
        {
          seed,
          stuck: v.stuck,
          missing: v.missing,
          mismatched: v.mismatched,
          miscounted: v.miscounted,
          failedJobs: report.failedJobs,
          memory: report.memory,
          leftAfterRetention: report.leftAfterRetention,
        },
        null,
        1,
      ),
    );
  }
  const f = report.faults;
  rows.push([
    String(run + 1),
    String(seed),
    String(v.accepted),
    String(v.instances),
    `${f.workerKills} / ${f.redisRestarts} / ${f.outages} (${f.outageSeconds.toFixed(0)} s) / ${f.cancels} / ${f.retries}`,
    String(v.stuck.length),
    String(v.missing.length),
    String(v.duplicates),
    `${v.reportedSucceeded} / ${v.tatInstances}`,
    String(v.miscounted.length),
    String(report.failedJobs),
    `${mb(report.memory.startBytes)} / ${mb(report.memory.peakBytes)} / ${mb(report.memory.endBytes)}`,
    `${(report.settledAfterMs / 1000).toFixed(0)} s`,
    report.held ? "held" : "BROKEN",
  ]);
  printTable(
    [
      "run",
      "seed",
      "batches",
      "instances",
      `worker kills / Redis ${mode === "lifecycle" ? "failovers" : "restarts"} / outages / cancels / retries`,
      "stuck",
      "missing",
      "duplicates",
      "succeeded: reported / TAT",
      "miscounted",
      "failed jobs",
      "Redis MB start / peak / end",
      "final after faults",
      "invariants",
    ],
    rows,
  );
  console.log(`  refused submissions by status: ${JSON.stringify(report.refused)}`);
}
process.exit(failures > 0 ? 1 : 0);
