// npm run bench:fleet — a realistic fleet: 10,000 instances of which 1% have an offline agent and
// 0.2% no longer exist, through the built intake, one worker and the simulator (TAT's limits:
// 20/s CreateInvoker, 60/s DescribeAutomationAgentStatus), with the agent check on (the simulator's
// check leaving missing instances out, or failing the call for them) and off.
import {
  cvmIds,
  intakeCaller,
  sampleBatch,
  simAdmin,
  simulatorWorkerEnv,
  startTestRedis,
} from "@tat-bulk/test-support";
import { printTable, startIntake, startSim, startWorker } from "./lib.mjs";

const INSTANCES = Number(process.env.BENCH_INSTANCES ?? 10_000);
const KEY = "bench-key-0123456789abcdef";

async function run(label, checkMode, preflight) {
  const redis = await startTestRedis();
  const sim = await startSim({
    TAT_SIM_OFFLINE_RATE: "0.01",
    TAT_SIM_MISSING_RATE: "0.002",
    TAT_SIM_AGENT_CHECK_MISSING: checkMode,
  });
  const queue = { REDIS_URL: redis.url, QUEUE_NAME: "bench-fleet" };
  const worker = await startWorker({
    ...queue,
    ...simulatorWorkerEnv(sim.ready),
    TAT_PREFLIGHT: preflight,
  });
  const intake = await startIntake({ ...queue, INTAKE_API_KEYS: KEY });
  const api = intakeCaller(intake.ready, KEY);
  const ids = cvmIds(INSTANCES);
  const started = performance.now();
  const { BatchId } = await api.post("/v1/invoker-batches", sampleBatch(ids));
  const status = await api.waitForBatch(BatchId, 600_000);
  const seconds = (performance.now() - started) / 1000;
  const admin = simAdmin(sim.ready);
  const { statuses } = await admin("POST", "/agents/status", { InstanceIds: ids });
  const healthy = new Set(ids.filter((id) => statuses[id] === "Online"));
  const invokers = (await admin("GET", "/invokers")).invokers;
  const covered = new Set(invokers.flatMap((i) => i.InstanceIds).filter((id) => healthy.has(id)));
  const stats = await admin("GET", "/stats");
  const calls = (action) => Object.values(stats.calls[action] ?? {}).reduce((a, b) => a + b, 0);
  await Promise.all([worker.stop(), intake.stop(), sim.stop()]);
  await redis.close();
  return [
    label,
    `${covered.size}/${healthy.size} (${((100 * covered.size) / healthy.size).toFixed(1)}%)`,
    status.Instances.Failed,
    calls("CreateInvoker"),
    (calls("CreateInvoker") / Math.ceil(INSTANCES / 100)).toFixed(2),
    calls("DescribeAutomationAgentStatus"),
    calls("DescribeInvokers"),
    stats.duplicates,
    seconds.toFixed(1),
  ];
}

const rows = [
  await run("agent check; missing instances left out of its answer", "omit", "agent-status"),
  await run("agent check; a missing instance fails the check call", "error", "agent-status"),
  await run("no agent check (TAT_PREFLIGHT=off): isolation by splitting", "omit", "off"),
];
console.log(
  `\n${INSTANCES.toLocaleString("en")} instances (1% offline agents, 0.2% gone) through one worker and the simulator:\n`,
);
printTable(
  [
    "run",
    "healthy instances with an invoker",
    "failed",
    "CreateInvoker calls",
    "per chunk",
    "agent checks",
    "DescribeInvokers",
    "duplicates",
    "wall time (s)",
  ],
  rows,
);
