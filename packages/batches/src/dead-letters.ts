import { bullPrefix, type RedisClient } from "@tat-bulk/redis";
import { Queue } from "bullmq";
import { queueNames } from "./queue-names.js";

/**
 * A job parked by a worker is failed with a reason that starts so: BullMQ's failed set, kept a
 * week, is the dead-letter place, and the reconciler leaves such a job where it is.
 */
export const DEAD_LETTER_PREFIX = "dead-letter: ";

export const isDeadLetter = (failedReason: string | null | undefined): boolean =>
  typeof failedReason === "string" && failedReason.startsWith(DEAD_LETTER_PREFIX);

/** The queues whose jobs a worker's catch-all may park (chunks, run followers). */
export const DEAD_LETTER_QUEUES = ["chunks", "runs"] as const;
export type DeadLetterQueue = (typeof DEAD_LETTER_QUEUES)[number];

/** What the errors of a job are counted in: its own data, so the count leaves with the job. */
export interface CountsErrors {
  errors?: number;
}

/** A parked job, as `GET /v1/admin/dead-letters` answers it. */
export interface DeadLetter {
  Queue: DeadLetterQueue;
  JobId: string;
  BatchId: string | null;
  Index: number | null;
  Errors: number;
  Error: string;
  FailedAt: string | null;
}

type Data = CountsErrors & { batchId?: unknown; index?: unknown };

/** The dead letters of a namespace: listed, counted, and sent again (admin). */
export class DeadLetters {
  private readonly queues: Record<DeadLetterQueue, Queue<Data>>;

  constructor(redis: RedisClient, namespace: string) {
    const names = queueNames(namespace);
    const open = (name: string) =>
      new Queue<Data>(name, { connection: redis, prefix: bullPrefix(namespace) });
    this.queues = { chunks: open(names.chunks), runs: open(names.runs) };
  }

  /** The newest `limit` failed jobs of each queue that were parked, newest first. */
  async list(limit = 100): Promise<DeadLetter[]> {
    const letters: DeadLetter[] = [];
    for (const queue of DEAD_LETTER_QUEUES) {
      for (const job of await this.queues[queue].getFailed(0, limit - 1)) {
        if (!job?.id || !isDeadLetter(job.failedReason)) continue;
        const { batchId, index, errors } = job.data;
        letters.push({
          Queue: queue,
          JobId: job.id,
          BatchId: typeof batchId === "string" ? batchId : null,
          Index: typeof index === "number" ? index : null,
          Errors: errors ?? 0,
          Error: job.failedReason.slice(DEAD_LETTER_PREFIX.length),
          FailedAt: job.finishedOn ? new Date(job.finishedOn).toISOString() : null,
        });
      }
    }
    return letters.sort((a, b) => (b.FailedAt ?? "").localeCompare(a.FailedAt ?? "")).slice(0, limit);
  }

  /** Failed jobs per queue (parked ones, and any the reconciler is about to retry). */
  async counts(): Promise<Record<DeadLetterQueue, number>> {
    const [chunks, runs] = await Promise.all(DEAD_LETTER_QUEUES.map((q) => this.queues[q].getFailedCount()));
    return { chunks: chunks ?? 0, runs: runs ?? 0 };
  }

  /**
   * Sends a parked job again, its error count reset. A chunk job goes without its scheduler slot
   * (given back when it was parked): it still waits for the rate limit like any call.
   */
  async retry(queue: DeadLetterQueue, jobId: string): Promise<"retried" | "not-found"> {
    const job = await this.queues[queue].getJob(jobId);
    if (!job || !isDeadLetter(job.failedReason) || (await job.getState()) !== "failed") return "not-found";
    const {
      budget: _budget,
      slot: _slot,
      errors: _errors,
      ...data
    } = job.data as Data & {
      budget?: unknown;
      slot?: unknown;
    };
    await job.updateData(data);
    await job.retry("failed");
    return "retried";
  }

  close(): Promise<void> {
    return Promise.all(DEAD_LETTER_QUEUES.map((q) => this.queues[q].close())).then(() => undefined);
  }
}
