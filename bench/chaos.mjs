// npm run bench:chaos — a chaos soak through real processes (Redis with AOF everysec, the simulator,
// the intake, BENCH_CHAOS_WORKERS workers). For BENCH_CHAOS_MINUTES (default 10) a batch of
// 100–4,000 instances arrives every 1.5 s while a worker is SIGKILLed and replaced every 15–35 s,
// Redis is SIGKILLed between two worker kills and restarted 3 s later (BENCH_CHAOS_REDIS_RESTARTS,
// default 1 per 5 minutes), and TAT answers InternalError to everything for 20 s; 5% of calls are
// ambiguous InternalErrors (the invoker exists), 5% plain ones, 1% of agents offline. Then every
// accepted batch must become final within BENCH_CHAOS_SETTLE_S (240), and the invariants must
// hold: none stuck or missing, no duplicate invoker, the instances reported succeeded exactly those
// TAT holds an invoker for, every count adding up. BENCH_CHAOS_RUNS repeats it; BENCH_CHAOS_SEED
// replays a run. Exits non-zero when an invariant breaks.
import { runChaos } from "@tat-bulk/test-support";
import { printTable } from "./lib.mjs";

const minutes = Number(process.env.BENCH_CHAOS_MINUTES ?? 10);
const runs = Number(process.env.BENCH_CHAOS_RUNS ?? 1);
const workers = Number(process.env.BENCH_CHAOS_WORKERS ?? 3);
const restarts = Number(process.env.BENCH_CHAOS_REDIS_RESTARTS ?? Math.max(1, Math.round(minutes / 5)));
const settleS = Number(process.env.BENCH_CHAOS_SETTLE_S ?? 240);
const firstSeed = Number(process.env.BENCH_CHAOS_SEED ?? Date.now() % 1_000_000);

console.log(
  `chaos: ${runs} run(s) of ${minutes} min, ${workers} workers, ${restarts} Redis restart(s) per run, settle ${settleS} s`,
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
    submitEveryMs: 1500,
    sizes: [100, 4000],
    workerKillEveryMs: [15_000, 35_000],
    redisRestarts: restarts,
    redisDownMs: 3000,
    outageMs: 20_000,
    seed,
    log: (line) => console.log(`  [run ${run + 1}, seed ${seed}] ${line}`),
  });
  const v = report.verdict;
  if (!report.held) {
    failures++;
    console.log(
      JSON.stringify(
        { seed, stuck: v.stuck, missing: v.missing, mismatched: v.mismatched, miscounted: v.miscounted },
        null,
        1,
      ),
    );
  }
  rows.push([
    String(run + 1),
    String(seed),
    String(v.accepted),
    String(v.instances),
    `${report.faults.workerKills} / ${report.faults.redisRestarts} / ${report.faults.outages}`,
    String(v.stuck.length),
    String(v.missing.length),
    String(v.duplicates),
    `${v.reportedSucceeded} / ${v.tatInstances}`,
    String(v.miscounted.length),
    `${(report.settledAfterMs / 1000).toFixed(0)} s`,
    report.held ? "held" : "BROKEN",
  ]);
  printTable(
    [
      "run",
      "seed",
      "batches",
      "instances",
      "worker kills / Redis restarts / outages",
      "stuck",
      "missing",
      "duplicates",
      "succeeded: reported / TAT",
      "miscounted",
      "final after faults",
      "invariants",
    ],
    rows,
  );
}
process.exit(failures > 0 ? 1 : 0);
