// Shared by the benchmarks: processes from the built apps, percentiles, a table printer.
import { fileURLToPath } from "node:url";
import { spawnService } from "@tat-bulk/test-support";

export const ROOT = fileURLToPath(new URL("..", import.meta.url));

export const startIntake = (env) =>
  spawnService(
    `${ROOT}apps/intake/dist/main.js`,
    { PORT: "0", HOST: "127.0.0.1", LOG_LEVEL: "info", ...env },
    /"url":"([^"]+)"/,
  );
export const startSim = (env) =>
  spawnService(
    `${ROOT}apps/tat-sim/dist/main.js`,
    { PORT: "0", LOG_LEVEL: "info", ...env },
    /"url":"([^"]+)"/,
  );
export const startWorker = (env) =>
  spawnService(
    `${ROOT}apps/worker/dist/main.js`,
    { PORT: "0", HOST: "127.0.0.1", LOG_LEVEL: "info", ...env },
    /"health":"([^"]+)"/,
  );

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
