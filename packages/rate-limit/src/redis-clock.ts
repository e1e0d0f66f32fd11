const SAMPLES = 32;

/**
 * This process's clock (performance.now(), ms) against Redis's (TIME, µs), learnt from the limiter's
 * own round trips: Redis read its clock somewhere between our ask and its answer, so each round
 * trip bounds the offset on both sides, and the tightest bounds of the last few round trips (a
 * fast one among them) pin it to a fraction of a millisecond. Both conversions err on the late
 * side: a slot is never used before its time, and a send is never recorded earlier than it left.
 */
export class RedisClock {
  private readonly lower: number[] = [];
  private readonly upper: number[] = [];
  private next = 0;

  /** A round trip: asked and answered on this clock, Redis's TIME in between. */
  observe(askedAt: number, answeredAt: number, redisUs: number): void {
    const redisMs = redisUs / 1000;
    this.lower[this.next] = redisMs - answeredAt;
    this.upper[this.next] = redisMs - askedAt;
    this.next = (this.next + 1) % SAMPLES;
  }

  /** A Redis time (µs) on this clock: never before it comes here. */
  toLocal(redisUs: number): number {
    return redisUs / 1000 - Math.max(...this.lower);
  }

  /** A time on this clock as Redis's (µs): never before it was. */
  toRedisUs(localMs: number): number {
    return Math.ceil((localMs + Math.min(...this.upper)) * 1000);
  }
}
