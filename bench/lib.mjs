// Shared by the benchmarks: processes from the built apps, percentiles, a table printer.
import { fileURLToPath } from "node:url";
import { startApp } from "@tat-bulk/test-support";

export const ROOT = fileURLToPath(new URL("..", import.meta.url));

export const startIntake = (env) => startApp("intake", env);
export const startSim = (env) => startApp("tat-sim", env);
export const startWorker = (env) => startApp("worker", env);

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
