import { monitorEventLoopDelay } from "node:perf_hooks";
import { WindowCounter } from "./window-counter.js";

/** What the admin API reports: calls by action and answer, and the busiest 1000 ms per action + SecretId. */
export class SimStats {
  private calls = new Map<string, Map<string, number>>();
  private arrivals = new Map<string, WindowCounter>();
  private accepted = new Map<string, WindowCounter>();
  /**
   * The simulator's own stalls: a call it reads late has its arrival (receipt + jitter) moved
   * late, which a remote service's arrivals would not be. A benchmark prints this beside its
   * arrival figures so that the instrument's noise is told apart from the limiter's.
   */
  private readonly loopDelay = monitorEventLoopDelay({ resolution: 5 });

  constructor() {
    this.loopDelay.enable();
  }

  private counter(map: Map<string, WindowCounter>, key: string, limit: number): WindowCounter {
    const counter = map.get(key) ?? new WindowCounter(1000, limit);
    map.set(key, counter);
    return counter;
  }

  /** A call of `key` (action + SecretId) arrived; `limit` is its calls per second. */
  arrival(key: string, at: number, limit: number): void {
    this.counter(this.arrivals, key, limit).add(at);
  }

  accept(key: string, at: number, limit: number): void {
    this.counter(this.accepted, key, limit).add(at);
  }

  answer(action: string, code: string): void {
    let byCode = this.calls.get(action);
    if (!byCode) {
      byCode = new Map();
      this.calls.set(action, byCode);
    }
    byCode.set(code, (byCode.get(code) ?? 0) + 1);
  }

  snapshot() {
    const windows: Record<string, object> = {};
    for (const [key, arrivals] of this.arrivals) {
      const accepted = this.accepted.get(key);
      windows[key] = {
        arrivals: arrivals.total,
        maxArrivalsIn1000ms: arrivals.max,
        accepted: accepted?.total ?? 0,
        maxAcceptedIn1000ms: accepted?.max ?? 0,
        firstAcceptedAt: accepted?.first ?? null,
        lastAcceptedAt: accepted?.last ?? null,
        // The shortest span of limit + 1 consecutive arrivals: over 1000 ms, the window held.
        closestArrivalsSpanMs: arrivals.closestSpan ?? null,
        // Accepted calls per second: `limit` per the average span of `limit + 1` in a row.
        steadyAcceptedPerSecond: accepted?.steadyRate() ?? null,
      };
    }
    const calls: Record<string, Record<string, number>> = {};
    for (const [action, byCode] of this.calls) calls[action] = Object.fromEntries(byCode);
    return { calls, windows, eventLoopDelayMaxMs: this.loopDelay.max / 1e6 };
  }

  reset(): void {
    this.calls = new Map();
    this.arrivals = new Map();
    this.accepted = new Map();
    this.loopDelay.reset();
  }

  close(): void {
    this.loopDelay.disable();
  }
}
