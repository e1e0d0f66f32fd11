import { type CountsErrors, DEAD_LETTER_PREFIX } from "@tat-bulk/batches";
import { isRedisUnavailable } from "@tat-bulk/redis";
import type { Job } from "bullmq";

/** A job that met an error no step foresaw: tried again later, or parked in the dead letters. */
export type Unforeseen = { kind: "retry"; delayMs: number } | { kind: "park"; reason: string };

export interface CatchAllPolicy {
  /** WORKER_JOB_MAX_ERRORS: unforeseen errors in a row that park a job. */
  maxErrors: number;
  retryMs: number;
}

/**
 * A corrupt record or a failing script would otherwise loop forever, every retryMs, with no trace
 * but a log line: its errors in a row are counted in the job's data, and at `maxErrors` the job is
 * parked (failed with DEAD_LETTER_PREFIX; an admin sends it again). Redis being away is not the
 * job's fault: such an error is not counted.
 */
export async function unforeseen(
  job: Job<CountsErrors>,
  error: unknown,
  policy: CatchAllPolicy,
): Promise<Unforeseen> {
  if (isRedisUnavailable(error)) return { kind: "retry", delayMs: policy.retryMs };
  const errors = (job.data.errors ?? 0) + 1;
  const message = error instanceof Error ? error.message : String(error);
  await job.updateData({ ...job.data, errors }).catch(() => undefined);
  if (errors >= policy.maxErrors)
    return { kind: "park", reason: `${DEAD_LETTER_PREFIX}${errors} errors in a row; the last: ${message}` };
  return { kind: "retry", delayMs: policy.retryMs };
}

/**
 * `work` under the catch-all: a result clears the job's error count; an error is told to
 * `onError` (its log line and metric) and becomes a retry or a park (see unforeseen).
 */
export function caughtAll<T>(
  job: Job<CountsErrors>,
  work: Promise<T>,
  policy: CatchAllPolicy,
  onError: (message: string) => void,
): Promise<T | Unforeseen> {
  return work.then(
    async (result) => {
      await clearErrors(job);
      return result;
    },
    (error: unknown) => {
      onError(error instanceof Error ? error.message : String(error));
      return unforeseen(job, error, policy);
    },
  );
}

/** A job that got through a step without an unforeseen error starts counting again. */
async function clearErrors(job: Job<CountsErrors>): Promise<void> {
  if (!job.data.errors) return;
  const { errors: _errors, ...data } = job.data;
  await job.updateData(data).catch(() => undefined);
}
