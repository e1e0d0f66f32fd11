// npm run bench:runs — execution results at scale: a BENCH_RUNS_INSTANCES (100,000) instance ONCE
// batch (1,000 invokers) through the built intake, BENCH_RUNS_WORKERS (2) workers and the
// simulator with 2% of tasks failing (tasks run 2-3 s, a timed-out one 6 s, 20 ms arrival jitter);
// its InvokeTime comes once it has drained. Then: how long after the last task ended the results
// were complete, the calls each action spent and their busiest second, RequestLimitExceeded.
import { cvmIds, intakeCaller, sampleBatch, simAdmin, startTestRedis } from "@tat-bulk/test-support";
import { printTable, raiseSimPriority, startIntake, startSim, startWorker } from "./lib.mjs";

const INSTANCES = Number(process.env.BENCH_RUNS_INSTANCES ?? 100_000);
const WORKERS = Number(process.env.BENCH_RUNS_WORKERS ?? 2);
const KEY = "bench-runs-key-0123456789abcdef";
const ACTIONS = ["DescribeInvokerRecords", "DescribeInvocations", "DescribeInvocationTasks"];

const redis = await startTestRedis();
const sim = await startSim({
  TAT_SIM_TASK_FAIL_RATE: "0.02",
  TAT_SIM_ARRIVAL_JITTER_MS: "20",
});
const priority = raiseSimPriority(sim);
const queue = { REDIS_URL: redis.url, QUEUE_NAME: "bench-runs" };
const workers = [];
for (let i = 0; i < WORKERS; i++) {
  workers.push(
    await startWorker({
      ...queue,
      TAT_ENDPOINT: sim.ready,
      TENCENTCLOUD_SECRET_ID: "AKIDtatbulklocal0000000000000000",
      TENCENTCLOUD_SECRET_KEY: "tatbulklocalsecretkey00000000000",
    }),
  );
}
const intake = await startIntake({
  ...queue,
  INTAKE_API_KEYS: KEY,
  INTAKE_DEFAULT_MAX_INSTANCES_IN_FLIGHT: "1000000",
});
const api = intakeCaller(intake.ready, KEY);
const admin = simAdmin(sim.ready);

// Time enough to drain at 20 creates/s (plus the agent checks), then the invokers fire together.
const drainS = Math.ceil(INSTANCES / 100 / 20) + 20;
const invokeAt = Math.ceil((Date.now() + drainS * 1000) / 1000) * 1000;
const invokeTime = new Date(invokeAt).toISOString().replace(/\.000Z$/, "Z");
const { BatchId } = await api.post("/v1/invoker-batches", {
  ...sampleBatch(cvmIds(INSTANCES)),
  ScheduleSettings: { Policy: "ONCE", InvokeTime: invokeTime },
});
const batch = await api.waitForBatch(BatchId, (drainS + 60) * 1000);
const before = await admin("GET", "/stats");
const runId = invokeTime.replace(/[-:]/g, "");
let run;
for (;;) {
  const answer = await api.call("GET", `/v1/invoker-batches/${BatchId}/runs/${runId}`);
  if (answer.status === 200 && !["PENDING", "RUNNING"].includes(answer.body.Status)) {
    run = answer.body;
    break;
  }
  if (Date.now() > invokeAt + 300_000)
    throw new Error(`run not final: ${JSON.stringify(answer.body).slice(0, 300)}`);
  await new Promise((resolve) => setTimeout(resolve, 200));
}
const after = await admin("GET", "/stats");
const { invocations } = await admin("GET", "/invocations");
const tasks = invocations.filter((i) => i.InvocationSource === "INVOKER").flatMap((i) => i.Tasks);
const lastTaskEnd = Math.max(...tasks.map((t) => t.EndAt));
const failed = tasks.filter((t) => t.Final !== "SUCCESS").length;
const calls = (stats, action) => Object.values(stats.calls[action] ?? {}).reduce((a, b) => a + b, 0);
const refused = (stats, action) => stats.calls[action]?.RequestLimitExceeded ?? 0;
const busiest = (action) =>
  Math.max(
    0,
    ...Object.entries(after.windows)
      .filter(([key]) => key.startsWith(`${action}|`))
      .map(([, w]) => w.maxArrivalsIn1000ms),
  );
const spent = Object.fromEntries(ACTIONS.map((a) => [a, calls(after, a) - calls(before, a)]));
const invokers = batch.Instances.Succeeded / 100;
const rounds = spent.DescribeInvocations / Math.ceil(invokers / 100);

console.log(
  `bench:runs: ${INSTANCES} instances (${invokers} invokers), ${WORKERS} workers, 2% failing tasks, ${priority}\n`,
);
printTable(
  ["measure", "value"],
  [
    ["run", `${run.Status}: ${JSON.stringify(run.Instances)}`],
    ["tasks that did not succeed (simulator's truth)", `${failed} of ${tasks.length}`],
    [
      "the run's counts equal the simulator's",
      String(run.Instances.Failed === failed && run.Instances.Succeeded === tasks.length - failed),
    ],
    [
      "results complete after the last task ended",
      `${((Date.parse(run.FinishedAt) - lastTaskEnd) / 1000).toFixed(1)} s`,
    ],
    ...ACTIONS.map((a) => [
      `${a}: calls, busiest 1000 ms, RequestLimitExceeded`,
      `${spent[a]}, ${busiest(a)}, ${refused(after, a) - refused(before, a)}`,
    ]),
    ["polling rounds (DescribeInvocations calls / 10)", rounds.toFixed(1)],
    [
      "calls per polling round for the invokers' records and invocations",
      ((spent.DescribeInvokerRecords + spent.DescribeInvocations) / Math.max(1, rounds)).toFixed(1),
    ],
    [
      "DescribeInvocationTasks calls per 100 failed tasks",
      ((spent.DescribeInvocationTasks / Math.max(1, failed)) * 100).toFixed(2),
    ],
  ],
);

await Promise.all([...workers.map((w) => w.stop()), intake.stop(), sim.stop()]);
await redis.close();
