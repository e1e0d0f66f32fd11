import { randomUUID } from "node:crypto";
import {
  type BucketRef,
  type CircuitBreakers,
  type SharedRateLimiter,
  waitUntil,
} from "@tat-bulk/rate-limit";
import { classifyError } from "@tat-bulk/tat-api";
import type { TatCallResult, TatClient } from "@tat-bulk/tat-client";
import type { Logger } from "pino";
import type { AdaptiveMargin } from "./adaptive-margin.js";
import type { JobWatch } from "./job-watch.js";
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
  /** Told each refusal. */
  margin?: Pick<AdaptiveMargin, "onRefusal">;
  /** false: the start-up check found the send-time hold broken; calls are handed over at their slot. */
  holdSends?: () => boolean;
}

/**
 * A call that could leave only this late after its slot's time gives the slot up and takes
 * another. Lateness is recorded and safe (the next window counts from when a call left); a
 * process this stalled might not record it before the slot a window later is granted.
 */
const STALLED_MS = 100;

/**
 * Every TAT call goes through here: a slot of the shared limit for its action, its bucket's circuit
 * breaker (while TAT is unavailable, callers wait and one probe goes out at a time), the call
 * through the SDK, its answer recorded in the breaker, and its metrics.
 */
export class RateLimitedTat {
  constructor(
    private readonly deps: RateLimitedTatDeps,
    /** The job these calls are for: its waits end when it stalls, and each answer is progress. */
    private readonly watch?: Pick<JobWatch, "signal" | "touch">,
  ) {}

  /** The same budget, for one job's calls. */
  watched(watch: Pick<JobWatch, "signal" | "touch">): RateLimitedTat {
    return new RateLimitedTat(this.deps, watch);
  }

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
    const limiterBucket = `${action}|${this.deps.group}`;
    const signal = this.watch?.signal;
    let slot = await limiter.acquire(limiterBucket, this.deps.limitOf(action), signal);
    metrics.rateLimitWait.observe({ action }, slot.waitedMs / 1000);
    // After the slot, right before sending: a bucket that opened while this call waited holds it.
    const admitted = await breakers.admit(bucket, token, signal);
    let sent = false;
    try {
      if (beforeSend && !(await beforeSend())) return undefined;
      sent = true;
    } finally {
      if (!sent && admitted === "probe") await breakers.release(bucket, token);
    }
    while (limiter.latenessMs(slot, performance.now()) > STALLED_MS) {
      metrics.slotsSkipped.inc({ action });
      slot = await limiter.acquire(limiterBucket, this.deps.limitOf(action), signal);
    }
    // The slot's time may still be ahead (it was granted early so this one could prepare): the SDK
    // prepares the request now and it leaves at that time.
    const taken = slot;
    let sentAt: number | undefined;
    const onSent = (at: number) => {
      sentAt = at;
      metrics.sendLateness.observe({ action }, limiter.latenessMs(taken, at) / 1000);
      limiter.recordSend(taken, at).catch((error: unknown) => {
        // Unrecorded, the send counts at its slot's time: late by what this process's lateness was.
        logger.warn({ err: error, action }, "could not record a send's time");
      });
    };
    const holdUntil = waitUntil(taken.dueAt);
    if (this.deps.holdSends?.() === false) await holdUntil;
    const result = await client.call<T>(action, region, params, { holdUntil, onSent });
    this.watch?.touch();
    const answeredAt = performance.now();
    metrics.apiDuration.observe({ action }, (answeredAt - (sentAt ?? taken.dueAt)) / 1000);
    const code = result.ok ? "Success" : result.code;
    metrics.apiRequests.inc({ action, code });
    const failed = !result.ok && classifyError(result.code).disposition === "retryable";
    const breaker = await breakers.record(bucket, token, failed);
    if (breaker.transition === "opened") logger.warn({ action, code }, "TAT unavailable: circuit opened");
    if (breaker.transition === "closed") logger.info({ action }, "TAT answers again: circuit closed");
    // A failure while any circuit of this endpoint + account is open is the outage's, even in a
    // bucket that has not seen enough calls to open its own (a look-up during the outage).
    return { ...result, outage: failed && (breaker.open || breaker.groupOpen), at: breaker.at };
  }

  penalize(action: string): Promise<void> {
    this.deps.margin?.onRefusal();
    return this.deps.limiter.penalize(`${action}|${this.deps.group}`);
  }

  /** When a circuit of this endpoint + account last opened, and TAT last answered (see PendingFailure). */
  lastEvents(): Promise<{ openedAt: number; answeredAt: number }> {
    return this.deps.breakers.lastEvents(this.deps.group);
  }
}
