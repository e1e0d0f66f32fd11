import { randomUUID } from "node:crypto";
import type { BucketRef, CircuitBreakers, SharedRateLimiter } from "@tat-bulk/rate-limit";
import { classifyError } from "@tat-bulk/tat-api";
import type { TatCallResult, TatClient } from "@tat-bulk/tat-client";
import type { Logger } from "pino";
import type { WorkerMetrics } from "./worker-metrics.js";

/**
 * A TAT answer; whether it failed while its bucket's circuit breaker is open (TAT unavailable: such
 * a failure costs the caller no attempt, only time); and when it was recorded, on Redis's clock (the
 * one the breaker's events are timed by).
 */
export type TatAnswer<T> = TatCallResult<T> & { outage: boolean; at: number };

export interface RateLimitedTatDeps {
  client: TatClient;
  limiter: SharedRateLimiter;
  breakers: CircuitBreakers;
  metrics: WorkerMetrics;
  logger: Logger;
  /** endpoint|account: with the action, a budget bucket as Tencent Cloud counts them. */
  group: string;
  /** Calls per second each action allows (TAT budgets them separately). */
  limitOf: (action: string) => number;
}

/**
 * Every TAT call goes through here: a slot of the shared limit for its action, its bucket's circuit
 * breaker (while TAT is unavailable, callers wait and one probe goes out at a time), the call
 * through the SDK, its answer recorded in the breaker, and its metrics.
 */
export class RateLimitedTat {
  constructor(private readonly deps: RateLimitedTatDeps) {}

  bucket(action: string): BucketRef {
    return { action, group: this.deps.group };
  }

  /**
   * `beforeSend` runs once the slot is ours, right before the call leaves (bookkeeping such as
   * marking the chunk RUNNING); answering false drops the call, and the slot goes unused.
   */
  async call<T>(
    action: string,
    region: string,
    params: Record<string, unknown>,
    beforeSend?: () => Promise<boolean>,
  ): Promise<TatAnswer<T> | undefined> {
    const { breakers, limiter, metrics, client, logger } = this.deps;
    const bucket = this.bucket(action);
    const token = randomUUID();
    const waitedMs = await limiter.acquire(`${action}|${this.deps.group}`, this.deps.limitOf(action));
    metrics.rateLimitWait.observe({ action }, waitedMs / 1000);
    // After the slot, right before sending: a bucket that opened while this call waited holds it.
    const admitted = await breakers.admit(bucket, token);
    let sent = false;
    try {
      if (beforeSend && !(await beforeSend())) return undefined;
      sent = true;
    } finally {
      if (!sent && admitted === "probe") await breakers.release(bucket, token);
    }
    const end = metrics.apiDuration.startTimer({ action });
    const result = await client.call<T>(action, region, params);
    end();
    const code = result.ok ? "Success" : result.code;
    metrics.apiRequests.inc({ action, code });
    const failed = !result.ok && classifyError(result.code).disposition === "retryable";
    const breaker = await breakers.record(bucket, token, failed);
    if (breaker.transition === "opened") logger.warn({ action, code }, "TAT unavailable: circuit opened");
    if (breaker.transition === "closed") logger.info({ action }, "TAT answers again: circuit closed");
    return { ...result, outage: failed && breaker.open, at: breaker.at };
  }

  penalize(action: string): Promise<void> {
    return this.deps.limiter.penalize(`${action}|${this.deps.group}`);
  }

  /** When a circuit of this endpoint + account last opened, and TAT last answered (see PendingFailure). */
  lastEvents(): Promise<{ openedAt: number; answeredAt: number }> {
    return this.deps.breakers.lastEvents(this.deps.group);
  }
}
