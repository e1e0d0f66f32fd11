// npm run bench:tat-sim — how many signed API calls per second the simulator answers, so that it is
// never the bottleneck of a benchmark: the official SDK, 64 calls in flight, rate limit lifted.
import { TatClient } from "@tat-bulk/tat-client";
import { DEFAULT_SIM_CREDENTIALS } from "@tat-bulk/tat-sim";
import { percentile, startSim } from "./lib.mjs";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const [secretId, secretKey] = DEFAULT_SIM_CREDENTIALS.split(":");
const sim = await startSim({ TAT_SIM_RATE_LIMIT: "1000000" });
const client = new TatClient({ endpoint: sim.ready, secretId, secretKey, timeoutMs: 10_000 });
const params = (i) => ({
  Name: "bench",
  Type: "SCHEDULE",
  CommandId: "cmd-m7uma92n",
  InstanceIds: Array.from({ length: 100 }, (_, j) => `ins-${(i * 100 + j).toString(36).padStart(8, "0")}`),
  ScheduleSettings: { Policy: "RECURRENCE", Recurrence: "0 0 1 * *" },
});

const latencies = [];
let calls = 0;
let errors = 0;
const deadline = Date.now() + SECONDS * 1000;
const started = performance.now();
await Promise.all(
  Array.from({ length: 64 }, async () => {
    while (Date.now() < deadline) {
      const t = performance.now();
      const result = await client.call("CreateInvoker", "ap-guangzhou", params(calls));
      latencies.push(performance.now() - t);
      calls++;
      if (!result.ok) errors++;
    }
  }),
);
const seconds = (performance.now() - started) / 1000;
console.log(
  `\nSimulator, CreateInvoker with 100 instances through the official SDK, 64 in flight, ${SECONDS} s: ` +
    `${Math.round(calls / seconds)} calls/s, p50 ${percentile(latencies, 50).toFixed(1)} ms, ` +
    `p99 ${percentile(latencies, 99).toFixed(1)} ms, errors ${errors}`,
);
client.close();
await sim.stop();
