import { WindowCounter } from "./window-counter.js";

/** What the admin API reports: calls by action and answer, and the busiest 1000 ms per action + SecretId. */
export class SimStats {
  private calls = new Map<string, Map<string, number>>();
  private arrivals = new Map<string, WindowCounter>();
  private accepted = new Map<string, WindowCounter>();

  private counter(map: Map<string, WindowCounter>, key: string): WindowCounter {
    const counter = map.get(key) ?? new WindowCounter();
    map.set(key, counter);
    return counter;
  }

  arrival(key: string, at: number): void {
    this.counter(this.arrivals, key).add(at);
  }

  accept(key: string, at: number): void {
    this.counter(this.accepted, key).add(at);
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
      };
    }
    const calls: Record<string, Record<string, number>> = {};
    for (const [action, byCode] of this.calls) calls[action] = Object.fromEntries(byCode);
    return { calls, windows };
  }

  reset(): void {
    this.calls = new Map();
    this.arrivals = new Map();
    this.accepted = new Map();
  }
}
