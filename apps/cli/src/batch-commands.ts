import type { BatchCommandName, CancelInvokers } from "./args.js";
import { EXIT } from "./exit-codes.js";
import { follow, followInvokerAction } from "./follow.js";
import type { BatchSummary, IntakeClient } from "./intake-client.js";
import type { Io } from "./io.js";

/** One line per batch: the list's rows, and what status and cancel print. */
export function describeBatch(status: BatchSummary): string {
  const { Queued, Running } = status.Counts;
  const { Succeeded, Failed, Cancelled } = status.Instances;
  return (
    `${status.BatchId}  ${status.Status.padEnd(16)} ${String(status.InstanceCount).padStart(7)} instances  ` +
    `${String(status.ChunkCount).padStart(5)} chunks  queued ${Queued} running ${Running}  ` +
    `instances ok ${Succeeded} failed ${Failed} cancelled ${Cancelled}  ${status.CreatedAt}  ${status.Name}`
  );
}

async function showStatus(client: IntakeClient, batchId: string, io: Io, json: boolean): Promise<number> {
  const status = await client.status(batchId, { status: "FAILED", chunkLimit: 20 });
  if (json) {
    io.out(JSON.stringify(status));
    return EXIT.OK;
  }
  io.out(describeBatch(status));
  if (status.EstimatedCompletionAt && !status.FinishedAt)
    io.out(`  estimated completion ${status.EstimatedCompletionAt}`);
  if (status.TraceId) io.out(`  trace ${status.TraceId}`);
  for (const chunk of status.Chunks ?? [])
    io.out(`  chunk ${chunk.Index} FAILED: ${chunk.Error?.Code}: ${chunk.Error?.Message}`);
  return EXIT.OK;
}

/** The failed instance IDs, one per line: `tat-bulk failed B | tat-bulk submit … --instances -`. */
async function printFailed(client: IntakeClient, batchId: string, io: Io, json: boolean): Promise<number> {
  const rows = await client.instances(batchId, "FAILED");
  if (json) io.out(JSON.stringify(rows));
  else for (const row of rows) io.out(row.InstanceId);
  return EXIT.OK;
}

async function retry(
  client: IntakeClient,
  batchId: string,
  io: Io,
  output: { json: boolean; wait: boolean },
) {
  const { json, wait } = output;
  const result = await client.retry(batchId);
  if (json && !wait) io.out(JSON.stringify(result));
  if (!json) io.out(`${batchId}: ${result.InstancesRequeued} failed instances sent again`);
  return wait ? follow(client, batchId, io, json) : EXIT.OK;
}

export async function list(
  client: IntakeClient,
  io: Io,
  page: { offset: number; limit: number },
  json: boolean,
) {
  const batches = await client.list(page.offset, page.limit);
  if (json) io.out(JSON.stringify(batches));
  else {
    io.out(`${batches.TotalCount} batches`);
    for (const batch of batches.Batches) io.out(describeBatch(batch));
  }
  return EXIT.OK;
}

/** The batch's NDJSON export to standard output; an export cut short (no end line) is an error. */
async function exportBatch(client: IntakeClient, batchId: string, io: Io): Promise<number> {
  let last = "";
  for await (const line of client.exportLines(batchId)) {
    io.out(line);
    last = line;
  }
  if (!last.startsWith('{"Type":"end"')) {
    io.err(`${batchId}: the export was cut short (no end line); run it again`);
    return EXIT.API_ERROR;
  }
  return EXIT.OK;
}

/** The commands that take one BATCH_ID. */
export async function batchCommand(
  client: IntakeClient,
  io: Io,
  command: {
    name: BatchCommandName;
    batchId: string;
    wait: boolean;
    json: boolean;
    invokers?: CancelInvokers;
  },
): Promise<number> {
  const { batchId, json, wait } = command;
  switch (command.name) {
    case "status":
      return wait ? follow(client, batchId, io, json) : showStatus(client, batchId, io, json);
    case "cancel": {
      const status = await client.cancel(batchId, command.invokers);
      io.out(json ? JSON.stringify(status) : describeBatch(status));
      // Asked to disable or delete the invokers, without the scope to: they are kept.
      if (!json && status.CancelInvokersReason) io.err(`note: ${status.CancelInvokersReason}`);
      return EXIT.OK;
    }
    case "disable":
    case "enable":
    case "delete-invokers": {
      const accepted = await client.invokerAction(batchId, command.name);
      if (json && !wait) io.out(JSON.stringify(accepted));
      if (!json)
        io.out(`${batchId}: ${command.name} asked for the invokers of ${accepted.ChunksQueued} chunks`);
      return wait ? followInvokerAction(client, batchId, io, json) : EXIT.OK;
    }
    case "failed":
      return printFailed(client, batchId, io, json);
    case "export":
      return exportBatch(client, batchId, io);
    case "purge": {
      const purged = await client.purge(batchId);
      io.out(json ? JSON.stringify(purged) : `${batchId}: purged`);
      return EXIT.OK;
    }
    case "retry":
      return retry(client, batchId, io, { json, wait });
  }
}
