import { readFileSync } from "node:fs";
import { TAT_CALLS_PER_SECOND, TAT_MAX_INSTANCES_PER_CALL } from "@tat-bulk/tat-api";
import type { SubmitRequest } from "./args.js";
import { EXIT } from "./exit-codes.js";
import { follow } from "./follow.js";
import { parseInstances } from "./instances-file.js";
import type { IntakeClient } from "./intake-client.js";
import type { Io } from "./io.js";
import { showRun } from "./run-commands.js";

export interface Submission {
  request: SubmitRequest;
  instanceIds: string[];
  idempotencyKey?: string;
  wait: boolean;
  json: boolean;
}

/** Submits; with `wait`, follows the batch to its end and answers its exit code. */
export async function submit(client: IntakeClient, io: Io, submission: Submission): Promise<number> {
  const { request, instanceIds, json, wait } = submission;
  let schedule = request.ScheduleSettings;
  if (schedule.Policy === "ONCE" && !schedule.InvokeTime) {
    // Late enough that the last chunk is created before it: the drain time at TAT's rate plus 5 minutes.
    const drainSeconds = Math.ceil(instanceIds.length / TAT_MAX_INSTANCES_PER_CALL) / TAT_CALLS_PER_SECOND;
    const at = new Date(Date.now() + (300 + drainSeconds) * 1000);
    schedule = { Policy: "ONCE", InvokeTime: at.toISOString().replace(/\.\d+Z$/, "Z") };
  }
  const body = {
    Type: "SCHEDULE" as const,
    ...request,
    ScheduleSettings: schedule,
    InstanceIds: instanceIds,
  };
  const accepted = await client.submit(body, submission.idempotencyKey);
  if (json && !wait) io.out(JSON.stringify(accepted));
  if (!json) {
    const duplicates = accepted.DuplicatesRemoved
      ? ` (${accepted.DuplicatesRemoved} duplicates removed)`
      : "";
    io.out(
      `accepted ${accepted.BatchId}: ${accepted.InstanceCount} instances in ${accepted.ChunkCount} chunks${duplicates}`,
    );
  }
  return wait ? follow(client, accepted.BatchId, io, json) : EXIT.OK;
}

export function readInstances(path: string, io: Io): string[] {
  return parseInstances(path === "-" ? io.readStdin() : readFileSync(path, "utf8"));
}

/**
 * A few thousand generated instances of all three types, submitted to run once shortly after they
 * drain, and followed: the batch, then its run. Against the simulator `npm start` runs, a realistic
 * share of them has an offline agent or no longer exists, and a few of the runs' tasks fail.
 */
export async function demo(client: IntakeClient, io: Io, count: number, json: boolean): Promise<number> {
  const prefixes = ["ins-", "ins-", "lhins-", "rins-"];
  const instanceIds = Array.from(
    { length: count },
    (_, i) => `${prefixes[i % prefixes.length]}${i.toString(36).padStart(8, "0")}`,
  );
  const drainSeconds = Math.ceil(count / TAT_MAX_INSTANCES_PER_CALL) / TAT_CALLS_PER_SECOND;
  const at = new Date(Math.ceil((Date.now() + (drainSeconds + 15) * 1000) / 1000) * 1000);
  const invokeTime = at.toISOString().replace(/\.\d+Z$/, "Z");
  const request: SubmitRequest = {
    Name: "tat-bulk-demo",
    CommandId: "cmd-m7uma92n",
    ScheduleSettings: { Policy: "ONCE", InvokeTime: invokeTime },
    Tags: [{ Key: "demo", Value: "true" }],
  };
  // A few unhealthy instances are what the demo shows: it ends well when every healthy one got its invoker.
  const code = await submit(client, io, { request, instanceIds, wait: true, json });
  if (code !== EXIT.OK && code !== EXIT.BATCH_FAILED) return code;
  const [batch] = (await client.list(0, 1)).Batches;
  if (!batch) return EXIT.OK;
  const runId = invokeTime.replace(/[-:]/g, "");
  if (!json) io.out(`\nthe invokers fire at ${invokeTime}; following run ${runId}…`);
  for (let delay = 1000; ; delay = Math.min(delay * 2, 5000)) {
    await new Promise((resolve) => setTimeout(resolve, delay));
    const runs = await client.runs(batch.BatchId);
    const run = runs.Runs.find((r) => r.RunId === runId);
    if (run && run.Status !== "PENDING" && run.Status !== "RUNNING") break;
  }
  await showRun(client, { batchId: batch.BatchId, runId }, io, { json, failed: false });
  if (!json)
    io.out(`\nsee every failed instance's output: npx tat-bulk run ${batch.BatchId} ${runId} --failed`);
  return EXIT.OK;
}
