// Shared by the benchmarks: processes from the built apps, percentiles, a table printer.
import { createHash } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { setPriority, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { spawnService, startApp } from "@tat-bulk/test-support";

export const ROOT = fileURLToPath(new URL("..", import.meta.url));

/**
 * BENCH_TRACING=1: the intake and the workers trace every batch (OTLP http/protobuf, sampled at
 * 100%) to a collector that reads and drops what it is sent. It is a process of its own: in the
 * benchmark's process its work would slow the client that measures.
 */
export const TRACING = process.env.BENCH_TRACING === "1";
const tracingEnv = TRACING ? { OTEL_EXPORTER_OTLP_ENDPOINT: (await startSpanSink()).ready } : {};

function startSpanSink() {
  const sink = `
    const server = require("node:http").createServer((req, res) => {
      req.resume();
      req.on("end", () => res.writeHead(200, { "content-type": "application/x-protobuf" }).end());
    });
    server.listen(0, "127.0.0.1", () => console.log("sink http://127.0.0.1:" + server.address().port));
  `;
  return spawnService(["-e", sink], {}, /sink (\S+)/).then((service) => {
    // Gone with the benchmark, however it ends; it keeps no benchmark alive.
    service.child.unref();
    service.child.stdout?.unref?.();
    service.child.stderr?.unref?.();
    process.once("exit", () => service.child.kill());
    return service;
  });
}

export const startIntake = (env) => startApp("intake", { ...tracingEnv, ...env });

/**
 * An intake whose one caller, "bench", holds `key` (benchCallersFile), with the per-caller request
 * limit (50/s by default) out of the way: the benchmarks measure the intake, not that limit.
 */
export const startBenchIntake = (key, env) =>
  startIntake({
    INTAKE_CALLERS_FILE: benchCallersFile(key),
    QUEUE_NAME: "bench-intake",
    INTAKE_CALLER_REQUESTS_PER_SECOND: "1000000",
    ...env,
  });

/** The body the intake benchmarks submit, for `ids`. */
export const benchRequest = (ids) => ({
  Name: "bench",
  Type: "SCHEDULE",
  CommandId: "cmd-m7uma92n",
  InstanceIds: ids,
  ScheduleSettings: { Policy: "RECURRENCE", Recurrence: "0 0 1 * *" },
});

/**
 * A callers file with one caller, "bench", holding `key`: it may read and submit anything, and has
 * no quota of instances in flight (nothing drains the batches in the intake benchmarks).
 */
export function benchCallersFile(key) {
  const file = join(mkdtempSync(join(tmpdir(), "tat-bulk-bench-")), "callers.json");
  writeFileSync(
    file,
    JSON.stringify([
      {
        Name: "bench",
        KeySha256: createHash("sha256").update(key).digest("hex"),
        Scopes: ["batches:read", "batches:write"],
        AllowedCommandIds: ["*"],
        AllowedRegions: ["*"],
        AllowedAccounts: ["*"],
      },
    ]),
  );
  return file;
}
export const startSim = (env) => startApp("tat-sim", env);
export const startWorker = (env) => startApp("worker", { ...tracingEnv, ...env });

/**
 * The simulator stands for Tencent's servers, which this machine's load does not slow: where the
 * benchmark may (as root), it runs the simulator at a raised priority so that the busy processes
 * load the workers, Redis and the benchmark, not the arrival clock. Returns how it ran.
 */
export function raiseSimPriority(sim) {
  try {
    setPriority(sim.child.pid ?? 0, -10);
    return "simulator at nice -10";
  } catch {
    return "simulator at normal priority (raising it needs root)";
  }
}

export function percentile(values, p) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

export const cvmIds = (n, offset = 0) =>
  Array.from({ length: n }, (_, i) => `ins-${(i + offset).toString(36).padStart(8, "0")}`);

export function printTable(headers, rows) {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells) => `| ${cells.map((c, i) => String(c).padEnd(widths[i])).join(" | ")} |`;
  console.log(line(headers));
  console.log(`|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`);
  for (const row of rows) console.log(line(row));
}
