/**
 * The largest number of events in any window of `windowMs`, kept incrementally: the busiest
 * window always ends at an event, so it suffices to count back from each new one. Given the
 * limit, also how close the limit + 1 closest consecutive events came (a sliding window of the
 * limit holds while that span exceeds `windowMs`) and how long they took on average: the pace a
 * long run keeps, whatever the events' pattern within a window (a rate from the first to the last
 * event flatters a run whose windows start with a burst and end with a pause).
 */
export class WindowCounter {
  private readonly times: number[] = [];
  private head = 0;
  private readonly recent: number[] = [];
  max = 0;
  total = 0;
  first: number | undefined;
  last: number | undefined;
  /** The shortest span of `limit + 1` consecutive events. */
  closestSpan: number | undefined;
  private spans = { sum: 0, count: 0 };

  constructor(
    private readonly windowMs = 1000,
    private readonly limit = 0,
  ) {}

  add(at: number): void {
    this.times.push(at);
    this.total++;
    this.first ??= at;
    this.last = at;
    while ((this.times[this.head] ?? at) <= at - this.windowMs) this.head++;
    this.max = Math.max(this.max, this.times.length - this.head);
    if (this.head > 4096) {
      this.times.splice(0, this.head);
      this.head = 0;
    }
    if (this.limit > 0) this.track(at);
  }

  /** `limit` events per the average span of `limit + 1` consecutive ones, per second. */
  steadyRate(): number | undefined {
    const { sum, count } = this.spans;
    return count > 0 && sum > 0 ? (this.limit * 1000 * count) / sum : undefined;
  }

  private track(at: number): void {
    this.recent.push(at);
    if (this.recent.length <= this.limit) return;
    if (this.recent.length > this.limit + 1) this.recent.shift();
    const span = at - (this.recent[0] ?? at);
    this.closestSpan = Math.min(this.closestSpan ?? span, span);
    this.spans.sum += span;
    this.spans.count++;
  }
}
