import { EXIT } from "./exit-codes.js";
import type { IntakeClient, RunDetail, RunSummary } from "./intake-client.js";
import type { Io } from "./io.js";

const FINAL = new Set(["SUCCEEDED", "PARTIALLY_FAILED", "FAILED"]);

/** One line per run: its ID, status, and instance counts. */
export function describeRun(run: RunSummary): string {
  const { Succeeded, Failed, Cancelled, Pending, NotFired } = run.Instances;
  return (
    `${run.RunId.padEnd(18)} ${run.Source.padEnd(7)} ${run.Status.padEnd(16)} ` +
    `succeeded ${Succeeded} failed ${Failed} cancelled ${Cancelled} pending ${Pending} not fired ${NotFired}` +
    `  scheduled ${run.ScheduledAt}`
  );
}

function describeGroups(run: RunDetail, io: Io): void {
  if (run.FailureGroups.length === 0) return;
  io.out("  failures, grouped (identifiers masked):");
  for (const group of run.FailureGroups) {
    io.out(
      `  ${String(group.Count).padStart(7)} × ${group.TaskStatus} exit ${group.ExitCode ?? "-"}: ${group.OutputSample}`,
    );
  }
}

export async function listRuns(
  client: IntakeClient,
  batchId: string,
  io: Io,
  json: boolean,
): Promise<number> {
  const page = await client.runs(batchId);
  if (json) io.out(JSON.stringify(page));
  else {
    io.out(`${page.TotalCount} runs`);
    for (const run of page.Runs) io.out(describeRun(run));
  }
  return EXIT.OK;
}

/** A run: its counts, its failures grouped, and with `failed` every failed instance's output. */
export async function showRun(
  client: IntakeClient,
  ids: { batchId: string; runId: string },
  io: Io,
  options: { json: boolean; failed: boolean },
): Promise<number> {
  const run = await client.run(ids.batchId, ids.runId);
  const failed = options.failed ? await client.runInstances(ids.batchId, ids.runId, "Failed") : [];
  if (options.json) {
    io.out(JSON.stringify(options.failed ? { ...run, FailedInstances: failed } : run));
    return EXIT.OK;
  }
  io.out(describeRun(run));
  describeGroups(run, io);
  for (const instance of failed) {
    const cut = instance.Dropped ? ` (${instance.Dropped} bytes cut)` : "";
    io.out(`\n${instance.InstanceId} ${instance.TaskStatus} exit ${instance.ExitCode ?? "-"}${cut}`);
    const text = instance.Output || instance.ErrorInfo || "";
    for (const line of text.trimEnd().split("\n").slice(-20)) io.out(`  | ${line}`);
  }
  return EXIT.OK;
}

/** Reruns a run's failed instances; with `wait`, follows the rerun to its end. */
export async function rerun(
  client: IntakeClient,
  ids: { batchId: string; runId: string },
  io: Io,
  options: { json: boolean; wait: boolean },
): Promise<number> {
  const accepted = await client.rerun(ids.batchId, ids.runId);
  if (!options.wait) {
    io.out(
      options.json
        ? JSON.stringify(accepted)
        : `${accepted.RunId}: ${accepted.InstanceCount} instances run again`,
    );
    return EXIT.OK;
  }
  for (let delay = 500; ; delay = Math.min(delay * 2, 5000)) {
    const run = await client.run(ids.batchId, accepted.RunId);
    if (FINAL.has(run.Status)) {
      if (options.json) io.out(JSON.stringify(run));
      else {
        io.out(describeRun(run));
        describeGroups(run, io);
      }
      return run.Status === "SUCCEEDED" ? EXIT.OK : EXIT.BATCH_FAILED;
    }
    await new Promise((resolve) => setTimeout(resolve, delay));
  }
}
