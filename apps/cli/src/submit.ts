import { readFileSync } from "node:fs";
import { TAT_CALLS_PER_SECOND, TAT_MAX_INSTANCES_PER_CALL } from "@tat-bulk/tat-api";
import type { SubmitRequest } from "./args.js";
import { EXIT } from "./exit-codes.js";
import { follow } from "./follow.js";
import { parseInstances } from "./instances-file.js";
import type { IntakeClient } from "./intake-client.js";
import type { Io } from "./io.js";

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
 * A few thousand generated instances of all three types, submitted and followed. Against the
 * simulator `npm start` runs, a realistic share of them has an offline agent or no longer exists.
 */
export function demo(client: IntakeClient, io: Io, count: number, json: boolean): Promise<number> {
  const prefixes = ["ins-", "ins-", "lhins-", "rins-"];
  const instanceIds = Array.from(
    { length: count },
    (_, i) => `${prefixes[i % prefixes.length]}${i.toString(36).padStart(8, "0")}`,
  );
  const request: SubmitRequest = {
    Name: "tat-bulk-demo",
    CommandId: "cmd-m7uma92n",
    ScheduleSettings: { Policy: "RECURRENCE", Recurrence: "0 3 * * *" },
    Tags: [{ Key: "demo", Value: "true" }],
  };
  // A few unhealthy instances are what the demo shows: it ends well when every healthy one got its invoker.
  return submit(client, io, { request, instanceIds, wait: true, json }).then((code) =>
    code === EXIT.BATCH_FAILED ? EXIT.OK : code,
  );
}
