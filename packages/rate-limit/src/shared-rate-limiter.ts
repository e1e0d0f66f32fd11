import { asNumber, asNumbers, LuaScript, type RedisClient } from "@tat-bulk/redis";
import { RedisClock } from "./redis-clock.js";
import { serialPerKey } from "./serial-per-key.js";

/**
 * GCRA with no burst plus a send log, in Redis (lua/rate-acquire.lua), timed by Redis's own clock.
 * One "theoretical arrival time" per bucket spaces slots an interval (window / limit) apart: evenly
 * spaced sends reach TAT evenly spaced, where a burst of 20 at once would queue up on the way and
 * bunch arrivals together near a window edge. The log holds the last `limit` sends as they really
 * left (each taker records it: `recordSend`), and a slot is granted no earlier than a window after
 * the limit-th latest of them: no span of `windowMs` holds more than `limit` sends as they left,
 * whatever the number of processes. A send that left late moves only the slot a window after it:
 * lateness costs what it was, once, instead of a margin sized for the worst lateness on every send.
 *
 * A waiter asks LOOKAHEAD ahead of its slot and is granted the slot with its time, so a late
 * wake-up does not slow the schedule (the lookahead replaced a lateness credit, which let sends
 * bunch by that much).
 */
const ACQUIRE = LuaScript.fromFile(new URL("../lua/rate-acquire.lua", import.meta.url), 4, (reply) => {
  const [granted, waitUs, nowUs] = asNumbers("rate-acquire", reply);
  return { granted: granted === 1, waitUs: waitUs ?? 0, nowUs: nowUs ?? 0 };
});

const RECORD_SEND = LuaScript.fromFile(new URL("../lua/rate-record-send.lua", import.meta.url), 1, (reply) =>
  asNumber("rate-record-send", reply),
);

const PENALIZE = LuaScript.fromFile(new URL("../lua/rate-penalize.lua", import.meta.url), 1, (reply) =>
  asNumber("rate-penalize", reply),
);

/**
 * A granted slot: its bucket, how long its taker waited, its time on Redis's clock (µs, its name
 * in the send log) and on this process's (performance.now(); never before the slot's time).
 */
export interface Slot {
  bucket: string;
  waitedMs: number;
  slotUs: number;
  dueAt: number;
}

/**
 * A slot due within this long is granted at once, with its time: the caller prepares its call
 * (stores the chunk as RUNNING, has the SDK build the request) and it leaves at the slot's time, so
 * that the delay between a slot and its send is a timer's lateness, not a Redis round trip's.
 */
const LOOKAHEAD_US = 15_000;

/**
 * Slots are an interval apart, except that after a slot the send log held back (a send a window
 * before it left late) the next may follow at this share of an interval: with a whole one, each
 * late send would push every slot after it, and the lateness would be paid again and again.
 */
const CATCH_UP_SPACING = 0.5;

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

const sleep = (ms: number, signals: readonly AbortSignal[]) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      for (const signal of signals) signal.removeEventListener("abort", done);
      resolve();
    }
    for (const signal of signals) signal.addEventListener("abort", done, { once: true });
  });

/**
 * Per process, one waiter per bucket talks to Redis at a time (the others queue behind it in
 * FIFO order), so N replicas poll Redis N times per slot rather than once per job in flight.
 */
export class SharedRateLimiter {
  private readonly serial = serialPerKey();
  private readonly closing = new AbortController();
  private readonly clock = new RedisClock();

  constructor(private readonly options: SharedRateLimiterOptions) {}

  private windowMs(): number {
    const { windowMs } = this.options;
    return typeof windowMs === "number" ? windowMs : windowMs();
  }

  private keys(bucket: string) {
    // One hash tag per bucket: all its keys in one Redis Cluster slot.
    const root = `${this.options.keyPrefix}{${bucket}}`;
    return [`${root}:tat`, `${root}:penalty`, `${root}:interval`, `${root}:sends`] as const;
  }

  /**
   * Waits for a slot of `bucket` and takes it; answers the milliseconds waited. `limit` is the
   * bucket's calls per window (each action has its own), the configured one unless given. A
   * waiter whose `signal` aborts stops waiting with the signal's reason.
   */
  acquire(bucket: string, limit = this.options.limit, signal?: AbortSignal): Promise<Slot> {
    const started = performance.now();
    const wakers = signal ? [this.closing.signal, signal] : [this.closing.signal];
    return this.serial(
      bucket,
      async () => {
        for (;;) {
          if (this.closing.signal.aborted) throw new LimiterClosedError("rate limiter closed");
          signal?.throwIfAborted();
          const windowMs = this.windowMs();
          const intervalUs = Math.round((windowMs * 1000) / limit);
          const askedAt = performance.now();
          const { granted, waitUs, nowUs } = await ACQUIRE.run(this.options.redis, this.keys(bucket), [
            intervalUs,
            Math.ceil(windowMs) * 2,
            0,
            LOOKAHEAD_US,
            limit,
            CATCH_UP_SPACING,
          ]);
          if (granted) {
            const answeredAt = performance.now();
            this.clock.observe(askedAt, answeredAt, nowUs);
            const slotUs = nowUs + waitUs;
            return { bucket, waitedMs: answeredAt - started, slotUs, dueAt: this.clock.toLocal(slotUs) };
          }
          await sleep(waitUs / 1000, wakers);
        }
      },
      signal,
    );
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
      0,
    ]);
    return { granted, retryAfterMs: granted ? 0 : waitUs / 1000 };
  }

  /**
   * When a slot's call left, on this process's clock: later slots count their window from it. A slot
   * given up unused needs no record (it counts as sent at its time).
   */
  async recordSend(slot: Slot, sentAt: number): Promise<void> {
    const [, , , sends] = this.keys(slot.bucket);
    await RECORD_SEND.run(this.options.redis, [sends], [slot.slotUs, this.clock.toRedisUs(sentAt)]);
  }

  /** How late a call left after its slot's time, in ms. */
  latenessMs(slot: Slot, sentAt: number): number {
    return this.clock.toRedisUs(sentAt) / 1000 - slot.slotUs / 1000;
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
