import { instancesInFlight, type RedisKeys } from "@tat-bulk/batches";
import type { Caller } from "@tat-bulk/callers";
import { type RedisClient, RedisLease } from "@tat-bulk/redis";
import { apiError } from "../api-error.js";
import type { IntakeMetrics } from "../metrics.js";

/** How long a submission may hold its caller's lock (a write of 100,000 instances takes ~50 ms). */
const LOCK_MS = 30_000;
const LOCK_WAIT_MS = 5000;

export interface QuotaDeps {
  redis: RedisClient;
  keys: RedisKeys;
  metrics: IntakeMetrics;
}

/**
 * Runs `write` if the caller's unfinished instances plus `adding` stay within its
 * MaxInstancesInFlight, else 429 LimitExceeded.CallerQuota with the numbers. The check and the write
 * hold the caller's lock, so two submissions at once cannot both pass on the same room. A request
 * whose Idempotency-Key was already used is let through: it replays, adding nothing.
 */
export async function withinQuota<T>(
  deps: QuotaDeps,
  caller: Caller,
  adding: number,
  idempotencyKey: string | undefined,
  write: () => Promise<T>,
): Promise<T> {
  const max = caller.MaxInstancesInFlight;
  if (max === undefined) return write();
  const lease = new RedisLease(deps.redis, deps.keys.callerLock(caller.Name), LOCK_MS);
  const deadline = Date.now() + LOCK_WAIT_MS;
  while (!(await lease.hold())) {
    if (Date.now() > deadline) {
      throw apiError(
        "FailedOperation.CallerBusy",
        "Another submission of this caller is being written; try again",
        {
          "Retry-After": "1",
        },
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  try {
    const inFlight = await instancesInFlight(deps.redis, deps.keys, caller.Name);
    const replay =
      idempotencyKey !== undefined && (await deps.redis.exists(deps.keys.idempotency(idempotencyKey))) > 0;
    if (inFlight + adding > max && !replay) {
      deps.metrics.authFailures.inc({ reason: "quota" });
      throw apiError(
        "LimitExceeded.CallerQuota",
        `${caller.Name} has ${inFlight} unfinished instances; ${adding} more would pass its MaxInstancesInFlight of ${max}`,
      );
    }
    return await write();
  } finally {
    await lease.release().catch(() => false);
  }
}
