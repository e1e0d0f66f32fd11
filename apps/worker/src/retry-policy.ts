/**
 * How a job that failed goes again, the one way for chunks (a part's TAT call), invoker actions and
 * webhook deliveries: the wait doubles from `baseMs` up to `maxMs`, with full jitter where many
 * jobs fail together (they spread out after an outage instead of coming back in step), and the
 * retries end after `maxAttempts` tries or once the first try is `giveUpAfterMs` old.
 */
export interface RetryPolicy {
  baseMs: number;
  maxMs: number;
  /** full: uniform over [0, the wait]; none: the wait itself. */
  jitter: "full" | "none";
  /** Tries in all, the first included. */
  maxAttempts: number;
  giveUpAfterMs: number;
}

/**
 * A TAT call's policy (a chunk's part, an invoker action): TAT_RETRY_BASE_MS doubling up to
 * TAT_RETRY_MAX_MS with full jitter, for `maxAttempts` tries.
 */
export function tatCallRetry(
  settings: { TAT_RETRY_BASE_MS: number; TAT_RETRY_MAX_MS: number },
  maxAttempts: number,
): RetryPolicy {
  return {
    baseMs: settings.TAT_RETRY_BASE_MS,
    maxMs: settings.TAT_RETRY_MAX_MS,
    jitter: "full",
    maxAttempts,
    giveUpAfterMs: Number.POSITIVE_INFINITY,
  };
}

/** The wait before try `attempt + 1`, after `attempt` failed tries (1 for the first retry). */
export function retryDelayMs(
  policy: RetryPolicy,
  attempt: number,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.max(0, attempt - 1));
  return policy.jitter === "full" ? Math.round(random() * ceiling) : ceiling;
}

/** Whether a job that failed `attempts` tries, the first at `firstAtMs`, may go again. */
export function mayRetry(
  policy: RetryPolicy,
  attempts: number,
  firstAtMs: number,
  now = Date.now(),
): boolean {
  return attempts < policy.maxAttempts && now - firstAtMs <= policy.giveUpAfterMs;
}

/** The policy's waits as a BullMQ worker's `backoffStrategy` (attemptsMade counts the failed tries). */
export function bullBackoff(policy: RetryPolicy): (attemptsMade: number) => number {
  return (attemptsMade) => retryDelayMs(policy, attemptsMade);
}
