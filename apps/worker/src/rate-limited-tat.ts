import { randomUUID } from "node:crypto";
import {
  type BucketRef,
  type CircuitBreakers,
  type SharedRateLimiter,
  waitUntil,
} from "@tat-bulk/rate-limit";
import { classifyError } from "@tat-bulk/tat-api";
import type { TatCallResult, TatClient } from "@tat-bulk/tat-client";
import { TRACING_OFF, type Tracing } from "@tat-bulk/tracing";
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
  /** The wait for a slot and each call are spans of the job's trace. */
  tracing?: Tracing;
  /** Said on the call spans. */
  account?: string;
  endpoint?: string;
}

/** A granted slot for one call: send it at the slot, or drop it (each once). */
export interface Reservation {
  send<T>(region: string, params: Record<string, unknown>, context?: CallContext): Promise<TatAnswer<T>>;
  drop(): Promise<void>;
}

type Slot = Awaited<ReturnType<SharedRateLimiter["acquire"]>>;

/** What a call's span says of it beyond the action. */
export interface CallContext {
  /** The part's attempt this call is (counted as the chunk counts them). */
  attempt?: number;
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

  /** The tracing its calls' spans go to (the agent check puts its own around its call). */
  get tracing(): Tracing {
    return this.deps.tracing ?? TRACING_OFF;
  }

  bucket(action: string): BucketRef {
    return { action, group: this.deps.group };
  }

  /** A slot of the shared limit for `action`, the call sent at it, and its answer recorded. */
  async call<T>(
    action: string,
    region: string,
    params: Record<string, unknown>,
    context: CallContext = {},
  ): Promise<TatAnswer<T>> {
    return (await this.reserve(action)).send<T>(region, params, context);
  }

  /**
   * A slot for `action`, admitted by its bucket's circuit breaker: the caller does what must be
   * stored before a call leaves (marking a chunk RUNNING), then sends it, or drops it and the slot
   * goes unused.
   */
  async reserve(action: string): Promise<Reservation> {
    const { breakers, limiter, metrics } = this.deps;
    const bucket = this.bucket(action);
    const token = randomUUID();
    const limiterBucket = `${action}|${this.deps.group}`;
    const signal = this.watch?.signal;
    const slot = await this.tracing.span("rate-limit.wait", { "tat.action": action }, async (span) => {
      const granted = await limiter.acquire(limiterBucket, this.deps.limitOf(action), signal);
      span.setAttributes({ "tat_bulk.waited_ms": Math.round(granted.waitedMs) });
      return granted;
    });
    metrics.rateLimitWait.observe({ action }, slot.waitedMs / 1000);
    // After the slot, right before sending: a bucket that opened while this call waited holds it.
    const admitted = await breakers.admit(bucket, token, signal);
    let used = false;
    const use = () => {
      if (used) throw new Error(`a reservation for ${action} was used twice`);
      used = true;
    };
    return {
      send: async <T>(region: string, params: Record<string, unknown>, context: CallContext = {}) => {
        use();
        return this.sendAt<T>({ action, bucket, token, limiterBucket, slot }, region, params, context);
      },
      drop: async () => {
        use();
        if (admitted === "probe") await breakers.release(bucket, token);
      },
    };
  }

  private async sendAt<T>(
    reserved: { action: string; bucket: BucketRef; token: string; limiterBucket: string; slot: Slot },
    region: string,
    params: Record<string, unknown>,
    context: CallContext,
  ): Promise<TatAnswer<T>> {
    const { breakers, limiter, metrics, logger } = this.deps;
    const { action, bucket, token, limiterBucket } = reserved;
    let { slot } = reserved;
    while (limiter.latenessMs(slot, performance.now()) > STALLED_MS) {
      metrics.slotsSkipped.inc({ action });
      slot = await limiter.acquire(limiterBucket, this.deps.limitOf(action), this.watch?.signal);
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
    const result = await this.send<T>(action, region, params, { holdUntil, onSent }, context, () =>
      metrics.observeCall(action, (performance.now() - (sentAt ?? taken.dueAt)) / 1000, this.tracing.ids()),
    );
    this.watch?.touch();
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

  /** The call itself, in its span: what it asked, of whom, and what TAT answered (with its RequestId). */
  private send<T>(
    action: string,
    region: string,
    params: Record<string, unknown>,
    timing: { holdUntil: Promise<void>; onSent: (at: number) => void },
    context: CallContext,
    /** Times the call (from when it left: the hold before it is the limiter's), in its span. */
    answered: () => void,
  ): Promise<TatCallResult<T>> {
    const attributes = {
      "rpc.system": "tencentcloud",
      "rpc.service": "tat",
      "rpc.method": action,
      "tat.action": action,
      "tat.region": region,
      "tat.account": this.deps.account,
      "server.address": this.deps.endpoint,
      "tat.attempt": context.attempt,
    };
    return this.tracing.span(
      `TAT ${action}`,
      attributes,
      async (span) => {
        const result = await this.deps.client.call<T>(action, region, params, timing);
        answered();
        span.setAttributes({
          "tat.request_id": result.requestId,
          "tat.code": result.ok ? "Success" : result.code,
        });
        if (!result.ok) span.fail(result.code, result.message);
        return result;
      },
      { kind: "client" },
    );
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
