// npm run bench:intake-cpu — the intake's own CPU time per 100-instance submit under autocannon (32
// connections), read from /proc before and after: a figure that another process's load moves less
// than requests/second does. BENCH_SECONDS (default 10) after a 3 s warm-up.
import { readFileSync } from "node:fs";
import { startTestRedis } from "@tat-bulk/test-support";
import autocannon from "autocannon";
import { benchRequest, cvmIds, startBenchIntake } from "./lib.mjs";

const KEY = "bench-key-0123456789abcdef";
const redis = await startTestRedis();
const intake = await startBenchIntake(KEY, { REDIS_URL: redis.url });
const body = JSON.stringify(benchRequest(cvmIds(100)));
/** User plus system CPU of a process, in ms (clock ticks of 10 ms). */
const cpuMs = (pid) => {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
  return (Number(fields[11]) + Number(fields[12])) * 10;
};
const options = {
  url: `${intake.ready}/v1/invoker-batches`,
  method: "POST",
  headers: { authorization: `Bearer ${KEY}`, "content-type": "application/json" },
  body,
  connections: 32,
};
await autocannon({ ...options, duration: 3 });
const pid = intake.child.pid;
const before = cpuMs(pid);
const result = await autocannon({ ...options, duration: Number(process.env.BENCH_SECONDS ?? 10) });
const spent = cpuMs(pid) - before;
console.log(
  `requests ${result.requests.total}, ${Math.round(result.requests.average)} req/s, p50 ${result.latency.p50} ms, ` +
    `intake CPU ${((spent * 1000) / result.requests.total).toFixed(0)} µs/request, non-2xx ${result.non2xx}`,
);
await intake.stop();
await redis.close();
