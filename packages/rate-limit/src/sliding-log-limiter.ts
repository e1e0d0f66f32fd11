import { randomBytes } from "node:crypto";
import type { Redis } from "ioredis";
import pLimit from "p-limit";

/**
 * A sliding log in Redis: the send times of the last calls of one bucket, timed by Redis's own
 * clock. A slot is granted only while fewer than `limit` sends lie in the last `windowMs`, so no
 * span of `windowMs` ever holds more than `limit` sends, whatever the number of processes and
 * wherever window edges fall. On refusal the script answers how long until the oldest send leaves
 * the window, so a waiter sleeps exactly that long.
 *
 * KEYS: log (sorted set of send times in µs), penalty (a "nobody sends before" time in µs).
 * ARGV: limit, window µs, member.
 * Returns {1, 0} granted, or {0, µs to wait}.
 */
const ACQUIRE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local limit, window = tonumber(ARGV[1]), tonumber(ARGV[2])
local blocked = tonumber(redis.call('GET', KEYS[2]) or '0')
if blocked > now then return {0, blocked - now} end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
if redis.call('ZCARD', KEYS[1]) < limit then
  redis.call('ZADD', KEYS[1], now, ARGV[3])
  redis.call('PEXPIRE', KEYS[1], math.ceil(window / 1000) * 2)
  return {1, 0}
end
local oldest = tonumber(redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')[2])
return {0, math.max(1, oldest + window - now)}
`;

/** KEYS: penalty. ARGV: µs. Pushes "nobody sends before" to now + µs (never earlier than it was). */
const PENALIZE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local until_ = now + tonumber(ARGV[1])
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
if until_ > current then redis.call('SET', KEYS[1], until_, 'PX', math.ceil(tonumber(ARGV[1]) / 1000) + 1000) end
return 1
`;

export class LimiterClosedError extends Error {
  override name = "LimiterClosedError";
}

export interface SlidingLogLimiterOptions {
  redis: Redis;
  /** Key prefix; the bucket name is appended. */
  keyPrefix: string;
  limit: number;
  /** 1000 ms plus the margin that absorbs jitter between our send and TAT's arrival clock. */
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
export class SlidingLogLimiter {
  private readonly local = new Map<string, ReturnType<typeof pLimit>>();
  private readonly processId = randomBytes(6).toString("hex");
  private sequence = 0;
  private readonly closing = new AbortController();

  constructor(private readonly options: SlidingLogLimiterOptions) {}

  private keys(bucket: string) {
    return [`${this.options.keyPrefix}${bucket}:log`, `${this.options.keyPrefix}${bucket}:penalty`] as const;
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
      const [log, penalty] = this.keys(bucket);
      for (;;) {
        if (this.closing.signal.aborted) throw new LimiterClosedError("rate limiter closed");
        const member = `${this.processId}:${this.sequence++}`;
        const [granted, waitUs] = (await this.options.redis.eval(
          ACQUIRE,
          2,
          log,
          penalty,
          this.options.limit,
          Math.round(this.options.windowMs * 1000),
          member,
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
