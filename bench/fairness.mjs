// npm run bench:fairness — the scheduler through the built intake, two workers and the simulator
// (20 calls/s per account, 20 ms arrival jitter): a small batch's latency behind a backlog, two
// callers' shares over time (equal weights, then 2:1), LOW under a NORMAL backlog, and three accounts
// at once (total rate, and a small batch on one account behind a backlog on another).
import { createHash } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BatchReads, redisKeys } from "@tat-bulk/batches";
import { cvmIds, intakeCaller, sampleBatch, simAdmin, startTestRedis } from "@tat-bulk/test-support";
import { Redis } from "ioredis";
import { printTable, startIntake, startSim, startWorker } from "./lib.mjs";

const dir = mkdtempSync(join(tmpdir(), "bench-fairness-"));
const sha = (key) => createHash("sha256").update(key).digest("hex");
const CALLERS = { a: 1, b: 1, c: 2 };
const keyOf = (name) => `bench-${name}-key-0123456789abcdef`;
const callersFile = join(dir, "callers.json");
writeFileSync(
  callersFile,
  JSON.stringify(
    Object.entries(CALLERS).map(([name, weight]) => ({
      Name: name,
      KeySha256: sha(keyOf(name)),
      Scopes: ["batches:read", "batches:write", "priority:high"],
      AllowedCommandIds: ["*"],
      AllowedRegions: ["*"],
      AllowedAccounts: ["*"],
      Weight: weight,
    })),
  ),
);
const ACCOUNTS = ["acct-1", "acct-2", "acct-3"].map((name, i) => ({
  Name: name,
  SecretId: `AKIDbenchaccount${i}00000000000000`,
  SecretKey: `bench-account-secret-${i}-000000`,
}));
const accountsFile = join(dir, "accounts.json");
writeFileSync(accountsFile, JSON.stringify(ACCOUNTS));

const redis = await startTestRedis();
const client = new Redis(redis.url);
const sim = await startSim({
  TAT_SIM_RATE_WINDOW: "sliding",
  TAT_SIM_ARRIVAL_JITTER_MS: "20",
  TAT_SIM_CREDENTIALS: ACCOUNTS.map((a) => `${a.SecretId}:${a.SecretKey}`).join(","),
});
const admin = simAdmin(sim.ready);
const queue = { REDIS_URL: redis.url, QUEUE_NAME: "bench-fairness" };
const workers = await Promise.all(
  [1, 2].map(() => startWorker({ ...queue, TAT_ENDPOINT: sim.ready, TAT_ACCOUNTS_FILE: accountsFile })),
);
const intake = await startIntake({ ...queue, INTAKE_CALLERS_FILE: callersFile });
const api = Object.fromEntries(
  Object.keys(CALLERS).map((name) => [name, intakeCaller(intake.ready, keyOf(name))]),
);
const reads = new BatchReads(client, redisKeys(queue.QUEUE_NAME));
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
let offset = 0;
async function submit(caller, chunks, fields = {}) {
  const ids = cvmIds(chunks * 100, offset);
  offset += chunks * 100;
  const { BatchId } = await api[caller].post("/v1/invoker-batches", {
    ...sampleBatch(ids),
    Account: "acct-1",
    ...fields,
  });
  return { batchId: BatchId, at: Date.now(), caller };
}
const doneTimes = async (batchId) =>
  [...(await reads.allChunks(batchId)).values()].map((c) => c.doneAt ?? Number.POSITIVE_INFINITY);
const finishedAt = async (batchId) => Math.max(...(await doneTimes(batchId)));
async function waitAll(...batches) {
  for (const { batchId, caller } of batches) await api[caller].waitForBatch(batchId, 300_000);
}
const accepted = (stats, secretId) => stats.windows[`CreateInvoker|${secretId}`] ?? { accepted: 0 };
const refused = (stats) => stats.calls.CreateInvoker?.RequestLimitExceeded ?? 0;

// 1. Latency of a 1-chunk batch submitted 1 s after a 20,000-instance batch.
const latencyRows = [];
for (const [label, caller, fields] of [
  ["another caller, NORMAL", "b", {}],
  ["the backlog's own caller, NORMAL", "a", {}],
  ["another caller, HIGH", "b", { Priority: "HIGH" }],
]) {
  const backlog = await submit("a", 200);
  await sleep(1000);
  const small = await submit(caller, 1, fields);
  await waitAll(small, backlog);
  const latency = ((await finishedAt(small.batchId)) - small.at) / 1000;
  const backlogTook = ((await finishedAt(backlog.batchId)) - backlog.at) / 1000;
  latencyRows.push([label, latency.toFixed(2), backlogTook.toFixed(1)]);
}

// 2. Shares over time: two callers submit 100 chunks each at the same moment.
async function shares(first, second) {
  await admin("POST", "/reset");
  const [x, y] = await Promise.all([submit(first, 100), submit(second, 100)]);
  await waitAll(x, y);
  const tx = await doneTimes(x.batchId);
  const ty = await doneTimes(y.batchId);
  const start = Math.min(...tx, ...ty);
  const bothBusyUntil = Math.min(Math.max(...tx), Math.max(...ty));
  const windows = [];
  for (let from = start; from < bothBusyUntil; from += 2000) {
    const n = (ts) => ts.filter((t) => t >= from && t <= Math.min(from + 2000, bothBusyUntil)).length;
    const [nx, ny] = [n(tx), n(ty)];
    // A last window of a few calls says little.
    if (nx + ny >= 10) windows.push(`${Math.round((100 * nx) / (nx + ny))}%`);
  }
  const n = (ts) => ts.filter((t) => t <= bothBusyUntil).length;
  const overall = (100 * n(tx)) / (n(tx) + n(ty));
  const stats = await admin("GET", "/stats");
  const w = accepted(stats, ACCOUNTS[0].SecretId);
  // 20 per the average span of 21 acceptances in a row (see drain.mjs).
  const utilization = w.steadyAcceptedPerSecond / 20;
  return [
    `${first} (weight ${CALLERS[first]}) vs ${second} (weight ${CALLERS[second]})`,
    windows.join(" "),
    `${overall.toFixed(1)}%`,
    utilization.toFixed(3),
    refused(stats),
  ];
}
const shareRows = [await shares("a", "b"), await shares("c", "b")];

// 3. LOW under a NORMAL backlog (the workers' default aging: SCHED_LOW_AGING_MS).
const normal = await submit("a", 100);
const low = await submit("b", 2, { Priority: "LOW" });
await waitAll(normal, low);
const lowRow = [
  ((Math.min(...(await doneTimes(low.batchId))) - low.at) / 1000).toFixed(1),
  ((await finishedAt(normal.batchId)) - normal.at) / 1000,
];

// 4. Three accounts: a 100,000-instance backlog on acct-1, 200 chunks each on acct-2 and acct-3, and a
// 1-chunk batch on acct-2 submitted 2 s in.
await admin("POST", "/reset");
const big = await submit("a", 1000, { Account: "acct-1" });
const two = await submit("b", 200, { Account: "acct-2" });
const three = await submit("c", 200, { Account: "acct-3" });
await sleep(2000);
const smallOnTwo = await submit("b", 1, { Account: "acct-2" });
await waitAll(smallOnTwo, two, three);
const stats = await admin("GET", "/stats");
const windows = ACCOUNTS.map((a) => accepted(stats, a.SecretId));
const from = Math.max(...windows.map((w) => w.firstAcceptedAt));
const until = Math.min(...(await Promise.all([two, three].map((b) => finishedAt(b.batchId)))));
const perAccount = await Promise.all(
  [big, two, three].map(
    async (b) => (await doneTimes(b.batchId)).filter((t) => t >= from && t < until).length,
  ),
);
const total = perAccount.reduce((a, b) => a + b, 0) / ((until - from) / 1000);
const smallLatency = ((await finishedAt(smallOnTwo.batchId)) - smallOnTwo.at) / 1000;
const bigLeft = (await reads.summary(big.batchId))?.Counts;

console.log("\n1. A 1-chunk batch submitted 1 s after a 20,000-instance batch (200 chunks at 20/s):\n");
printTable(["the small batch from", "finished after (s)", "backlog's batch took (s)"], latencyRows);
console.log("\n2. Two callers submit 100 chunks each at the same moment (first caller's share per 2 s):\n");
printTable(
  [
    "callers",
    "share per 2 s",
    "share while both had work",
    "utilization (accepted/s ÷ 20)",
    "RequestLimitExceeded",
  ],
  shareRows,
);
console.log(
  "\n3. LOW (2 chunks) submitted with a NORMAL backlog of 100 chunks (SCHED_LOW_AGING_MS 120 s: it waits for NORMAL):\n",
);
printTable(["LOW's first chunk after (s)", "NORMAL backlog took (s)"], [lowRow]);
console.log("\n4. Three accounts (20/s each), a 100,000-instance backlog on acct-1:\n");
printTable(
  [
    "accepted/s, all accounts",
    "RequestLimitExceeded",
    "1-chunk batch on acct-2 finished after (s)",
    "acct-1 chunks still queued",
  ],
  [[total.toFixed(1), refused(stats), smallLatency.toFixed(2), `${bigLeft?.Queued ?? "?"} of 1000`]],
);
await Promise.all([...workers.map((w) => w.stop()), intake.stop()]);
client.disconnect();
await sim.stop();
await redis.close();
