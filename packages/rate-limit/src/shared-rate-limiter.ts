import type { Redis } from "ioredis";
import pLimit from "p-limit";

/**
 * GCRA with no burst, in Redis: one "theoretical arrival time" per bucket, timed by Redis's own
 * clock. A slot is granted only once that time has come, and each grant pushes it one interval
 * (window / limit) on. Consecutive sends are therefore at least one interval apart, so any
 * `limit + 1` of them span at least `windowMs`: no span of `windowMs` ever holds more than `limit`
 * sends, whatever the number of processes. Evenly spaced sends also reach TAT evenly spaced; a burst
 * of 20 at once would queue up on the way and bunch arrivals together near a window edge.
 *
 * A waiter wakes a millisecond or two after its slot (timer and round trip). Resetting the
 * schedule to "now" would lose that much per call (2-4% of the rate), so up to `credit` µs of
 * lateness keeps the schedule: the guarantee becomes `limit` sends per `windowMs - credit`.
 *
 * KEYS: theoretical arrival time (µs), penalty (a "nobody sends before" time in µs).
 * ARGV: interval µs, key lifetime ms, credit µs.
 * Returns {1, 0} granted, or {0, µs to wait}.
 */
const ACQUIRE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local interval = tonumber(ARGV[1])
local blocked = tonumber(redis.call('GET', KEYS[2]) or '0')
if blocked > now then return {0, blocked - now} end
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat > now then return {0, tat - now} end
local start = math.max(tat, now - tonumber(ARGV[3]))
redis.call('SET', KEYS[1], string.format('%.0f', start + interval), 'PX', ARGV[2])
return {1, 0}
`;

/** How late a waiter may be served without its lateness slowing the schedule; see ACQUIRE. */
export const LATENESS_CREDIT_US = 2000;

/** KEYS: penalty. ARGV: µs. Pushes "nobody sends before" to now + µs (never earlier than it was). */
const PENALIZE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local until_ = now + tonumber(ARGV[1])
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
if until_ > current then redis.call('SET', KEYS[1], string.format('%.0f', until_), 'PX', math.ceil(tonumber(ARGV[1]) / 1000) + 1000) end
return 1
`;

export class LimiterClosedError extends Error {
  override name = "LimiterClosedError";
}

export interface SharedRateLimiterOptions {
  redis: Redis;
  /** Key prefix; the bucket name is appended. */
  keyPrefix: string;
  limit: number;
  /** `limit` sends per this long: 1000 ms plus the margin that absorbs jitter between our send and TAT's clock. */
  windowMs: number;
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
  private readonly local = new Map<string, ReturnType<typeof pLimit>>();
  private readonly closing = new AbortController();

  constructor(private readonly options: SharedRateLimiterOptions) {}

  private keys(bucket: string) {
    return [`${this.options.keyPrefix}${bucket}:tat`, `${this.options.keyPrefix}${bucket}:penalty`] as const;
  }

  /** Waits for a slot of `bucket` and takes it; answers the milliseconds waited. */
  acquire(bucket: string): Promise<number> {
    let queue = this.local.get(bucket);
    if (!queue) {
      queue = pLimit(1);
      this.local.set(bucket, queue);
    }
    const started = performance.now();
    return queue(async () => {
      const [tat, penalty] = this.keys(bucket);
      const intervalUs = Math.round((this.options.windowMs * 1000) / this.options.limit);
      for (;;) {
        if (this.closing.signal.aborted) throw new LimiterClosedError("rate limiter closed");
        const [granted, waitUs] = (await this.options.redis.eval(
          ACQUIRE,
          2,
          tat,
          penalty,
          intervalUs,
          Math.ceil(this.options.windowMs) * 2,
          LATENESS_CREDIT_US,
        )) as [number, number];
        if (granted === 1) return performance.now() - started;
        await sleep(waitUs / 1000, this.closing.signal);
      }
    });
  }

  async penalize(bucket: string): Promise<void> {
    const [, penalty] = this.keys(bucket);
    await this.options.redis.eval(PENALIZE, 1, penalty, Math.round(this.options.penaltyMs * 1000));
  }

  /** Wakes every waiter with LimiterClosedError; calls already granted are unaffected. Idempotent. */
  close(): void {
    this.closing.abort();
  }
}
