/** Sources tracked per window at most (a flood from many addresses cannot grow this without bound). */
const MAX_SOURCES = 100_000;
const WINDOW_MS = 60_000;

/**
 * Refused keys per source address and minute, in this process. A source past the limit is
 * answered 429 before its key is even looked at, until the minute ends: guessing keys costs the
 * guesser, not the trail or Redis.
 */
export class SourceGuard {
  private window = 0;
  private refusals = new Map<string, number>();

  constructor(private readonly perMinute: number) {}

  private roll(now: number): void {
    const start = now - (now % WINDOW_MS);
    if (start !== this.window) {
      this.window = start;
      this.refusals = new Map();
    }
  }

  /** Milliseconds until the source may try again, or 0 when it may now. */
  blockedFor(source: string, now = Date.now()): number {
    this.roll(now);
    return (this.refusals.get(source) ?? 0) >= this.perMinute ? this.window + WINDOW_MS - now : 0;
  }

  /** Counts a refusal; answers whether it is the source's first in this minute (worth a log line). */
  refused(source: string, now = Date.now()): boolean {
    this.roll(now);
    const count = this.refusals.get(source);
    if (count === undefined && this.refusals.size >= MAX_SOURCES) return false;
    this.refusals.set(source, (count ?? 0) + 1);
    return count === undefined;
  }
}
