import { busiestWindowAround, insertSorted, upperBound } from "./sorted-times.js";

/** How far out of order events may come (the simulator's transit jitter); older ones are forgotten. */
const REORDER_MS = 5000;

/**
 * The largest number of events in any window of `windowMs`, kept incrementally; events may come
 * slightly out of order and are placed in time order. Given the limit, also how close the
 * limit + 1 closest consecutive events came (a sliding window of the limit holds while that span
 * exceeds `windowMs`) and how long they took on average: the pace a long run keeps, whatever the
 * events' pattern within a window (a rate from the first to the last event flatters a run whose
 * windows start with a burst and end with a pause).
 */
export class WindowCounter {
  /** The recent events in time order: enough for a late event's windows and spans. */
  private readonly times: number[] = [];
  /** The first `limit` events: with the last `limit`, the sum of all spans (they telescope). */
  private readonly earliest: number[] = [];
  max = 0;
  total = 0;
  first: number | undefined;
  last: number | undefined;
  /** The shortest span of `limit + 1` consecutive events. */
  closestSpan: number | undefined;

  constructor(
    private readonly windowMs = 1000,
    private readonly limit = 0,
  ) {}

  add(at: number): void {
    this.total++;
    this.first = Math.min(this.first ?? at, at);
    this.last = Math.max(this.last ?? at, at);
    const index = insertSorted(this.times, at);
    this.max = Math.max(this.max, busiestWindowAround(this.times, index, this.windowMs));
    if (this.limit > 0) this.track(index);
    this.forget();
  }

  /** `limit` events per the average span of `limit + 1` consecutive ones, per second. */
  steadyRate(): number | undefined {
    const spans = this.total - this.limit;
    if (this.limit <= 0 || spans <= 0) return undefined;
    // Σ (t[j + limit] − t[j]) over all j is the last `limit` events' sum minus the first's.
    const sum = (times: readonly number[]) => times.reduce((a, b) => a + b, 0);
    const total = sum(this.times.slice(-this.limit)) - sum(this.earliest);
    return total > 0 ? (this.limit * 1000 * spans) / total : undefined;
  }

  private track(index: number): void {
    const { times, limit } = this;
    for (let j = Math.max(0, index - limit); j <= index && j + limit < times.length; j++) {
      const span = (times[j + limit] ?? 0) - (times[j] ?? 0);
      this.closestSpan = Math.min(this.closestSpan ?? span, span);
    }
    const at = times[index] ?? 0;
    if (this.earliest.length < limit || at < (this.earliest.at(-1) ?? at)) {
      insertSorted(this.earliest, at);
      if (this.earliest.length > limit) this.earliest.pop();
    }
  }

  private forget(): void {
    const keep = 2 * (this.limit + 1);
    const stale = upperBound(this.times, (this.last ?? 0) - this.windowMs - REORDER_MS);
    const drop = Math.min(stale, this.times.length - keep);
    // In batches: a long run at thousands of calls per second must not copy the array per call.
    if (drop >= 1024 || (drop > 0 && drop * 2 >= this.times.length)) this.times.splice(0, drop);
  }
}
