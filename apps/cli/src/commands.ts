import { readFileSync } from "node:fs";
import { TAT_CALLS_PER_SECOND, TAT_MAX_INSTANCES_PER_CALL } from "@tat-bulk/tat-api";
import type { Command } from "./args.js";
import { EXIT } from "./exit-codes.js";
import { parseInstances } from "./instances-file.js";
import type { BatchStatus, IntakeClient } from "./intake-client.js";
import { FINAL_STATUSES, progressLine, RateMeter, summaryLines } from "./progress.js";

export interface Io {
  out: (text: string) => void;
  err: (text: string) => void;
  /** Rewrites the current terminal line (progress); undefined when not a terminal. */
  status?: (line: string) => void;
  readStdin: () => string;
  pollMs: number;
}

/** Follows a batch to its end, with a progress line, then a summary; answers the exit code. */
export async function follow(client: IntakeClient, batchId: string, io: Io, json: boolean): Promise<number> {
  const started = Date.now();
  const meter = new RateMeter();
  let status: BatchStatus;
  let lastPrinted = 0;
  for (;;) {
    status = await client.status(batchId);
    const { Succeeded, Failed, Cancelled } = status.Counts;
    const rate = meter.add(Date.now(), Succeeded + Failed + Cancelled);
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
    // The last bar shows the average rate of the whole run.
    const { Succeeded: ok, Failed: failed, Cancelled: cancelled } = status.Counts;
    io.status?.(
      progressLine(status, (ok + failed + cancelled) / Math.max(0.001, (Date.now() - started) / 1000)),
    );
    io.status?.("\n");
    for (const line of summaryLines(status, (Date.now() - started) / 1000)) io.out(line);
    if (status.Counts.Failed > 0) {
      const failed = await client.status(batchId, "status=FAILED&chunkLimit=5");
      for (const chunk of failed.Chunks ?? []) {
        io.out(`  chunk ${chunk.Index}: ${chunk.Error?.Code}: ${chunk.Error?.Message}`);
      }
    }
  }
  return status.Status === "SUCCEEDED" ? EXIT.OK : EXIT.BATCH_FAILED;
}

export async function submit(
  command: Extract<Command, { name: "submit" }> | Extract<Command, { name: "demo" }>,
  client: IntakeClient,
  io: Io,
  instanceIds: string[],
  request: Record<string, unknown> & {
    ScheduleSettings: { Policy: string; InvokeTime?: string; Recurrence?: string };
  },
  wait: boolean,
  idempotencyKey?: string,
): Promise<number> {
  const schedule = request.ScheduleSettings;
  if (schedule.Policy === "ONCE" && !schedule.InvokeTime) {
    // Late enough that the last chunk is created before it: the drain time at TAT's rate plus 5 minutes.
    const drainSeconds = Math.ceil(instanceIds.length / TAT_MAX_INSTANCES_PER_CALL) / TAT_CALLS_PER_SECOND;
    const at = new Date(Date.now() + (300 + drainSeconds) * 1000);
    schedule.InvokeTime = at.toISOString().replace(/\.\d+Z$/, "Z");
  }
  const accepted = await client.submit({ ...request, InstanceIds: instanceIds }, idempotencyKey);
  if (command.json && !wait) io.out(JSON.stringify(accepted));
  if (!command.json) {
    io.out(
      `accepted ${accepted.BatchId}: ${accepted.InstanceCount} instances in ${accepted.ChunkCount} chunks` +
        (accepted.DuplicatesRemoved ? ` (${accepted.DuplicatesRemoved} duplicates removed)` : ""),
    );
  }
  return wait ? follow(client, accepted.BatchId, io, command.json) : EXIT.OK;
}

export function readInstances(path: string, io: Io): string[] {
  return parseInstances(path === "-" ? io.readStdin() : readFileSync(path, "utf8"));
}

function describe(status: BatchStatus): string {
  const { Queued, Running, Succeeded, Failed, Cancelled } = status.Counts;
  return (
    `${status.BatchId}  ${status.Status.padEnd(16)} ${String(status.InstanceCount).padStart(7)} instances  ` +
    `${String(status.ChunkCount).padStart(5)} chunks  queued ${Queued} running ${Running} ok ${Succeeded} ` +
    `failed ${Failed} cancelled ${Cancelled}  ${status.CreatedAt}  ${status.Name}`
  );
}

export async function showStatus(
  client: IntakeClient,
  batchId: string,
  io: Io,
  json: boolean,
): Promise<number> {
  const status = await client.status(batchId, "status=FAILED&chunkLimit=20");
  if (json) io.out(JSON.stringify(status));
  else {
    io.out(describe(status));
    if (status.EstimatedCompletionAt && !status.FinishedAt)
      io.out(`  estimated completion ${status.EstimatedCompletionAt}`);
    for (const chunk of status.Chunks ?? [])
      io.out(`  chunk ${chunk.Index} FAILED: ${chunk.Error?.Code}: ${chunk.Error?.Message}`);
  }
  return EXIT.OK;
}

export async function list(
  client: IntakeClient,
  offset: number,
  limit: number,
  io: Io,
  json: boolean,
): Promise<number> {
  const page = await client.list(offset, limit);
  if (json) io.out(JSON.stringify(page));
  else {
    io.out(`${page.TotalCount} batches`);
    for (const batch of page.Batches) io.out(describe(batch));
  }
  return EXIT.OK;
}

export async function cancel(client: IntakeClient, batchId: string, io: Io, json: boolean): Promise<number> {
  const status = await client.cancel(batchId);
  io.out(json ? JSON.stringify(status) : describe(status));
  return EXIT.OK;
}

/** A few thousand generated instances of all three types, submitted and followed. */
export function demoInstances(count: number): string[] {
  const prefixes = ["ins-", "ins-", "lhins-", "rins-"];
  return Array.from(
    { length: count },
    (_, i) => `${prefixes[i % prefixes.length]}${i.toString(36).padStart(8, "0")}`,
  );
}
