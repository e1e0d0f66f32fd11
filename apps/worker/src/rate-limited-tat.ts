import type { SharedRateLimiter } from "@tat-bulk/rate-limit";
import type { TatCallResult, TatClient } from "@tat-bulk/tat-client";
import type { WorkerMetrics } from "./worker-metrics.js";

/**
 * Every TAT call goes through here: a slot of the shared limit for its action (taken right before
 * sending), the call through the SDK, and its metrics. Buckets are keyed by action + endpoint +
 * account, as Tencent Cloud counts them.
 */
export class RateLimitedTat {
  constructor(
    private readonly client: TatClient,
    private readonly limiter: SharedRateLimiter,
    private readonly metrics: WorkerMetrics,
    private readonly bucketSuffix: string,
    /** Calls per second each action allows (TAT budgets them separately). */
    private readonly limitOf: (action: string) => number,
  ) {}

  bucket(action: string): string {
    return `${action}|${this.bucketSuffix}`;
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
  ): Promise<TatCallResult<T> | undefined> {
    const waitedMs = await this.limiter.acquire(this.bucket(action), this.limitOf(action));
    this.metrics.rateLimitWait.observe({ action }, waitedMs / 1000);
    if (beforeSend && !(await beforeSend())) return undefined;
    const end = this.metrics.apiDuration.startTimer({ action });
    const result = await this.client.call<T>(action, region, params);
    end();
    this.metrics.apiRequests.inc({ action, code: result.ok ? "Success" : result.code });
    return result;
  }

  penalize(action: string): Promise<void> {
    return this.limiter.penalize(this.bucket(action));
  }
}
