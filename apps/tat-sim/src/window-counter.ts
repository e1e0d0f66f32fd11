/**
 * The largest number of events in any window of `windowMs`, kept incrementally: the busiest
 * window always ends at an event, so it suffices to count back from each new one.
 */
export class WindowCounter {
  private readonly times: number[] = [];
  private head = 0;
  max = 0;
  total = 0;
  first: number | undefined;
  last: number | undefined;

  constructor(private readonly windowMs = 1000) {}

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
  }
}
