import { EXIT } from "./exit-codes.js";
import type { BatchDetail, IntakeClient } from "./intake-client.js";
import type { Io } from "./io.js";
import { FINAL_STATUSES, invokerActionLine, progressLine, RateMeter, summaryLines } from "./progress.js";

/** The most frequent failure codes among a batch's failed instances, most first. */
export async function topFailureCodes(
  client: IntakeClient,
  batchId: string,
  top = 5,
): Promise<Array<[string, number]>> {
  const counts = new Map<string, number>();
  for (const row of await client.instances(batchId, "FAILED")) {
    const code = row.Error?.Code ?? "Unknown";
    counts.set(code, (counts.get(code) ?? 0) + 1);
  }
  return [...counts].sort((a, b) => b[1] - a[1]).slice(0, top);
}

/**
 * Follows a batch to its end, with a progress line, then a summary with its instance counts and top
 * failure codes; answers the exit code (0 only when every instance has its invoker).
 */
export async function follow(client: IntakeClient, batchId: string, io: Io, json: boolean): Promise<number> {
  const started = Date.now();
  const meter = new RateMeter();
  let status: BatchDetail;
  let lastPrinted = 0;
  for (;;) {
    status = await client.status(batchId);
    const rate = meter.add(Date.now(), finishedChunks(status));
    if (FINAL_STATUSES.has(status.Status)) break;
    if (!json) {
      if (io.status) io.status(progressLine(status, rate));
      else if (Date.now() - lastPrinted >= 5000) {
        io.out(progressLine(status, rate));
        lastPrinted = Date.now();
      }
    }
    await new Promise((resolve) => setTimeout(resolve, io.pollMs));
  }
  if (json) io.out(JSON.stringify(status));
  else {
    const seconds = (Date.now() - started) / 1000;
    // The last bar shows the average rate of the whole run.
    io.status?.(progressLine(status, finishedChunks(status) / Math.max(0.001, seconds)));
    io.status?.("\n");
    const codes = status.Instances.Failed > 0 ? await topFailureCodes(client, batchId) : [];
    for (const line of summaryLines(status, seconds, codes)) io.out(line);
  }
  return status.Status === "SUCCEEDED" ? EXIT.OK : EXIT.BATCH_FAILED;
}

/**
 * Follows a batch's invoker action (disable, enable, delete) to its end with a bar of invokers done;
 * 0 once every invoker is in the target state, 1 when TAT refused the action for good.
 */
export async function followInvokerAction(
  client: IntakeClient,
  batchId: string,
  io: Io,
  json: boolean,
): Promise<number> {
  for (;;) {
    const status = await client.status(batchId);
    const action = status.InvokerAction;
    const total = status.Invokers.Enabled + status.Invokers.Disabled + status.Invokers.Deleted;
    if (!action || action.DoneAt || action.Error) {
      if (json) io.out(JSON.stringify(status));
      else {
        io.status?.("\n");
        const { Enabled, Disabled, Deleted } = status.Invokers;
        io.out(`${batchId} invokers: enabled ${Enabled}, disabled ${Disabled}, deleted ${Deleted}`);
        if (action?.Error) io.out(`  the action cannot finish: ${action.Error}`);
      }
      return action?.Error ? EXIT.BATCH_FAILED : EXIT.OK;
    }
    if (!json) io.status?.(invokerActionLine(action.Target, total - action.Pending, total));
    await new Promise((resolve) => setTimeout(resolve, io.pollMs));
  }
}

function finishedChunks(status: BatchDetail): number {
  const { Succeeded, PartiallyFailed, Failed, Cancelled } = status.Counts;
  return Succeeded + PartiallyFailed + Failed + Cancelled;
}
