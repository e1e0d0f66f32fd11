import { busiestWindowAround, insertSorted } from "./sorted-times.js";

/** How far out of order arrivals may be handled (their transit jitter); older ones are forgotten. */
const REORDER_MS = 1000;

export type RateWindowMode = "sliding" | "fixed";

/**
 * Tencent Cloud's per action + account limit, counted by arrival. Only accepted calls use up the
 * budget: a refused arrival does not push the next window out.
 * - `sliding`: at most `limit` accepted in any 1000 ms (the strictest reading). An arrival handled
 *   after a later one (jitter) is accepted only if every window holding it stays within the limit.
 * - `fixed`: at most `limit` per aligned wall-clock second ("the first 20 requests of each second").
 */
export class RateLimiter {
  private readonly accepted = new Map<string, number[]>();
  private readonly fixed = new Map<string, { second: number; count: number }>();

  constructor(
    public limit: number,
    public mode: RateWindowMode,
    /** Actions with a budget of their own (TAT documents 60/s for DescribeAutomationAgentStatus). */
    private readonly limits: ReadonlyMap<string, number> = new Map(),
  ) {}

  /** The calls per second an action allows. */
  limitOf(action: string): number {
    return this.limits.get(action) ?? this.limit;
  }

  tryAcquire(key: string, now: number, limit = this.limit): boolean {
    if (this.mode === "fixed") {
      const second = Math.floor(now / 1000);
      const bucket = this.fixed.get(key);
      if (!bucket || bucket.second !== second) {
        this.fixed.set(key, { second, count: 1 });
        return true;
      }
      if (bucket.count >= limit) return false;
      bucket.count++;
      return true;
    }
    let times = this.accepted.get(key);
    if (!times) {
      times = [];
      this.accepted.set(key, times);
    }
    while (times.length > 0 && (times[0] ?? now) <= now - 1000 - REORDER_MS) times.shift();
    const index = insertSorted(times, now);
    if (busiestWindowAround(times, index, 1000) <= limit) return true;
    times.splice(index, 1);
    return false;
  }

  reset(): void {
    this.accepted.clear();
    this.fixed.clear();
  }
}
