import { followJobId, queueNames } from "@tat-bulk/batches";
import { bullPrefix } from "@tat-bulk/redis";
import { type ConnectionOptions, Queue } from "bullmq";

/** One job per batch whose runs are followed: its ID is the batch's, so a batch has one follower. */
export interface FollowJobData {
  batchId: string;
  /** Unforeseen errors in a row (see catch-all.ts). */
  errors?: number;
}

export const runsQueueName = (queueName: string) => queueNames(queueName).runs;

export function createRunsQueue(queueName: string, connection: ConnectionOptions): Queue<FollowJobData> {
  return new Queue<FollowJobData>(runsQueueName(queueName), {
    prefix: bullPrefix(queueName),
    connection,
    // A finished follower is removed, so that a batch can be followed again (a rerun, a retry).
    defaultJobOptions: { removeOnComplete: true, removeOnFail: { age: 7 * 24 * 3600 } },
  });
}

/**
 * Follows the batch's runs from `atMs` on: adds its follower job, or brings an existing one that
 * waits for a later time forward (a rerun should not wait for the next scheduled time).
 */
export async function followFrom(queue: Queue<FollowJobData>, batchId: string, atMs: number): Promise<void> {
  const delay = Math.max(0, atMs - Date.now());
  const id = followJobId(batchId);
  const existing = await queue.getJob(id);
  const state = existing ? await existing.getState() : "missing";
  if (existing && (state === "completed" || state === "failed" || state === "unknown")) {
    await existing.remove().catch(() => undefined);
  } else if (existing) {
    // Waiting for a later scheduled time: now instead (another job's state is left as it is).
    if (state === "delayed" && delay === 0) await existing.promote().catch(() => undefined);
    return;
  }
  await queue.add("follow", { batchId }, { jobId: id, delay });
}
