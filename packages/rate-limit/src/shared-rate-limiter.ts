import { asNumber, asNumbers, LuaScript, type RedisClient } from "@tat-bulk/redis";
import { serialPerKey } from "./serial-per-key.js";

/**
 * GCRA with no burst, in Redis (lua/rate-acquire.lua): one "theoretical arrival time" per bucket, timed
 * by Redis's own clock. A slot is granted only once that time has come, and each grant pushes it
 * one interval (window / limit) on. Consecutive sends are therefore at least one interval apart,
 * so any `limit + 1` of them span at least `windowMs`: no span of `windowMs` ever holds more than
 * `limit` sends, whatever the number of processes. Evenly spaced sends also reach TAT evenly
 * spaced; a burst of 20 at once would queue up on the way and bunch arrivals together near a
 * window edge.
 *
 * A waiter asks LOOKAHEAD ahead of its slot and is granted the slot with its time, so a late
 * wake-up does not slow the schedule (the lookahead replaced a lateness credit, which let sends
 * bunch by that much).
 */
const ACQUIRE = LuaScript.fromFile(new URL("../lua/rate-acquire.lua", import.meta.url), 3, (reply) => {
  const [granted, waitUs] = asNumbers("rate-acquire", reply);
  return { granted: granted === 1, waitUs: waitUs ?? 0 };
});

const PENALIZE = LuaScript.fromFile(new URL("../lua/rate-penalize.lua", import.meta.url), 1, (reply) =>
  asNumber("rate-penalize", reply),
);

/**
 * A slot due within this long is granted at once, with its time: the caller prepares its call
 * (stores the chunk as RUNNING) and sends at the slot's time, so that the delay between a slot and
 * its send is a timer's lateness, not a Redis round trip's (see `Slot`).
 */
const LOOKAHEAD_US = 15_000;

/**
 * A granted slot: how long its taker waited, and its time on this process's clock
 * (performance.now()), which Redis's clock puts between `earliestAt` (counted from when Redis was
 * asked) and `dueAt` (from when it answered). Sending at `dueAt` is never early; lateness counted
 * from `earliestAt` includes the round trip's delays, so the margin sees a slow reply too.
 */
export interface Slot {
  waitedMs: number;
  earliestAt: number;
  dueAt: number;
}

export class LimiterClosedError extends Error {
  override name = "LimiterClosedError";
}

export interface SharedRateLimiterOptions {
  redis: RedisClient;
  /** Key prefix; the bucket name is appended. */
  keyPrefix: string;
  limit: number;
  /**
   * `limit` sends per this long: 1000 ms plus the margin that absorbs jitter between our send and
   * TAT's clock; a function when the margin adapts (read at each acquire).
   */
  windowMs: number | (() => number);
  /** How long every sender of a bucket pauses after TAT answered RequestLimitExceeded. */
  penaltyMs: number;
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });

/**
 * Per process, one waiter per bucket talks to Redis at a time (the others queue behind it in
 * FIFO order), so N replicas poll Redis N times per slot rather than once per job in flight.
 */
export class SharedRateLimiter {
  private readonly serial = serialPerKey();
  private readonly closing = new AbortController();

  constructor(private readonly options: SharedRateLimiterOptions) {}

  private windowMs(): number {
    const { windowMs } = this.options;
    return typeof windowMs === "number" ? windowMs : windowMs();
  }

  private keys(bucket: string) {
    // One hash tag per bucket: both keys in one Redis Cluster slot.
    const root = `${this.options.keyPrefix}{${bucket}}`;
    return [`${root}:tat`, `${root}:penalty`, `${root}:interval`] as const;
  }

  /**
   * Waits for a slot of `bucket` and takes it; answers the milliseconds waited. `limit` is the
   * bucket's calls per window (each action has its own), the configured one unless given.
   */
  acquire(bucket: string, limit = this.options.limit): Promise<Slot> {
    const started = performance.now();
    return this.serial(bucket, async () => {
      for (;;) {
        if (this.closing.signal.aborted) throw new LimiterClosedError("rate limiter closed");
        const windowMs = this.windowMs();
        const intervalUs = Math.round((windowMs * 1000) / limit);
        const askedAt = performance.now();
        const { granted, waitUs } = await ACQUIRE.run(this.options.redis, this.keys(bucket), [
          intervalUs,
          Math.ceil(windowMs) * 2,
          0,
          LOOKAHEAD_US,
        ]);
        if (granted) {
          const answeredAt = performance.now();
          const waitMs = waitUs / 1000;
          return { waitedMs: answeredAt - started, earliestAt: askedAt + waitMs, dueAt: answeredAt + waitMs };
        }
        await sleep(waitUs / 1000, this.closing.signal);
      }
    });
  }

  /**
   * Takes a slot of `bucket` if one is free now, allowing a burst of `burstMs` worth of slots after
   * a quiet spell (for API requests rather than TAT calls); answers how long until one is, else.
   */
  async tryAcquire(
    bucket: string,
    limit: number,
    burstMs: number,
  ): Promise<{ granted: boolean; retryAfterMs: number }> {
    const windowMs = this.windowMs();
    const intervalUs = Math.round((windowMs * 1000) / limit);
    const { granted, waitUs } = await ACQUIRE.run(this.options.redis, this.keys(bucket), [
      intervalUs,
      Math.ceil(windowMs + burstMs) * 2,
      Math.round(burstMs * 1000),
      0,
    ]);
    return { granted, retryAfterMs: granted ? 0 : waitUs / 1000 };
  }

  async penalize(bucket: string): Promise<void> {
    const [, penalty] = this.keys(bucket);
    await PENALIZE.run(this.options.redis, [penalty], [Math.round(this.options.penaltyMs * 1000)]);
  }

  /** Wakes every waiter with LimiterClosedError; calls already granted are unaffected. Idempotent. */
  close(): void {
    this.closing.abort();
  }
}
