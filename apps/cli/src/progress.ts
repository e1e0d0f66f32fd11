import type { BatchDetail } from "./intake-client.js";

export const FINAL_STATUSES = new Set(["SUCCEEDED", "FAILED", "PARTIALLY_FAILED", "CANCELLED"]);

function duration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return "--";
  if (seconds < 60) return `${Math.ceil(seconds)}s`;
  const m = Math.floor(seconds / 60);
  return m < 60
    ? `${m}m${String(Math.ceil(seconds % 60)).padStart(2, "0")}s`
    : `${Math.floor(m / 60)}h${String(m % 60).padStart(2, "0")}m`;
}

/** One line: bar, chunks done, instances by outcome, calls per second, ETA. Pure, so it is tested as text. */
export function progressLine(
  status: BatchDetail,
  callsPerSecond: number,
  width = 30,
  now = Date.now(),
): string {
  const { Queued, Running } = status.Counts;
  const finished = status.ChunkCount - Queued - Running;
  const total = Math.max(1, status.ChunkCount);
  const filled = Math.round((finished / total) * width);
  const bar = `${"█".repeat(filled)}${"░".repeat(width - filled)}`;
  const remaining = Queued + Running;
  const eta =
    callsPerSecond > 0
      ? duration(remaining / callsPerSecond)
      : status.EstimatedCompletionAt
        ? duration((Date.parse(status.EstimatedCompletionAt) - now) / 1000)
        : "--";
  const { Succeeded, Failed, Cancelled } = status.Instances;
  const paused = status.Paused;
  const tail = paused
    ? `PAUSED: ${paused.Reason} for ${duration((now - Date.parse(paused.Since)) / 1000)}`
    : `${callsPerSecond.toFixed(1)} calls/s  ETA ${eta}`;
  return (
    `${bar} ${finished}/${status.ChunkCount} chunks  instances ✓ ${Succeeded}  ✗ ${Failed}` +
    `${Cancelled ? `  ⊘ ${Cancelled}` : ""}  ⟳ ${Running}  ${tail}`
  );
}

/** The end of a followed batch: its outcome, instance and chunk counts, and the top failure codes. */
export function summaryLines(
  status: BatchDetail,
  seconds: number,
  topCodes: Array<[string, number]> = [],
): string[] {
  const { Succeeded, Failed, Cancelled, Pending } = status.Instances;
  const chunks = status.Counts;
  return [
    `${status.BatchId} ${status.Status} in ${duration(seconds)}: ${status.InstanceCount} instances in ${status.ChunkCount} chunks`,
    `  instances: succeeded ${Succeeded}, failed ${Failed}, cancelled ${Cancelled}${Pending ? `, pending ${Pending}` : ""}`,
    `  chunks: succeeded ${chunks.Succeeded}, partially failed ${chunks.PartiallyFailed}, failed ${chunks.Failed}, cancelled ${chunks.Cancelled}`,
    ...(topCodes.length
      ? [`  top failure codes: ${topCodes.map(([code, n]) => `${code} ${n}`).join(", ")}`]
      : []),
  ];
}

/** One line for an invoker action: bar, invokers in the target state, of all. */
export function invokerActionLine(target: string, done: number, total: number, width = 30): string {
  const filled = Math.round((done / Math.max(1, total)) * width);
  return `${"█".repeat(filled)}${"░".repeat(width - filled)} ${done}/${total} invokers ${target.toLowerCase()}`;
}

/** Chunks finished per second over a sliding set of recent samples. */
export class RateMeter {
  private samples: Array<{ at: number; done: number }> = [];

  constructor(private readonly windowMs = 5000) {}

  add(at: number, done: number): number {
    this.samples.push({ at, done });
    this.samples = this.samples.filter((s) => s.at >= at - this.windowMs);
    const first = this.samples[0];
    if (!first || first.at === at) return 0;
    return ((done - first.done) * 1000) / (at - first.at);
  }
}
