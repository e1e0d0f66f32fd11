import type { ChunkView, InstanceStatus, InstanceView } from "./batch-types.js";
import type { ChunkRecord } from "./chunk-record.js";

export function chunkView(index: number, chunk: ChunkRecord): ChunkView {
  return {
    Index: index,
    InstanceType: chunk.instanceType,
    InstanceIds: chunk.instanceIds,
    Status: chunk.status,
    InvokerId: chunk.invokers[0]?.invokerId ?? null,
    Invokers: chunk.invokers.map((v) => ({ InvokerId: v.invokerId, InstanceIds: v.instanceIds })),
    FailedInstances: chunk.failed.map((f) => ({
      InstanceId: f.instanceId,
      Code: f.code,
      Message: f.message,
    })),
    Attempts: chunk.attempts,
    Error: chunk.error ?? null,
  };
}

/** Each instance of a chunk with its outcome, in the chunk's order. */
export function instanceViews(chunk: ChunkRecord): InstanceView[] {
  const outcome = new Map<string, Omit<InstanceView, "InstanceId">>();
  for (const invoker of chunk.invokers) {
    for (const id of invoker.instanceIds)
      outcome.set(id, { Status: "SUCCEEDED", InvokerId: invoker.invokerId, Error: null });
  }
  for (const f of chunk.failed) {
    outcome.set(f.instanceId, {
      Status: "FAILED",
      InvokerId: null,
      Error: { Code: f.code, Message: f.message },
    });
  }
  const cancelled = chunk.cancelled;
  for (const id of cancelled?.instanceIds ?? []) {
    outcome.set(id, {
      Status: "CANCELLED",
      InvokerId: null,
      Error: cancelled ? { Code: cancelled.code, Message: cancelled.message } : null,
    });
  }
  const pending = { Status: "PENDING" as InstanceStatus, InvokerId: null, Error: null };
  return chunk.instanceIds.map((id) => ({ InstanceId: id, ...(outcome.get(id) ?? pending) }));
}
