export interface AdaptiveMarginOptions {
  /** What the network may add between our send and TAT's clock (TAT_RATE_MARGIN_MS). */
  networkJitterMs: number;
  /** Added on each RequestLimitExceeded, halving every `decayMs`. */
  refusalStepMs?: number;
  decayMs?: number;
}

const SAMPLES = 256;
/** Until this many calls were seen, the spread is taken as INITIAL_SPREAD_MS (a cautious start). */
const MIN_SAMPLES = 20;
const INITIAL_SPREAD_MS = 8;
const MAX_OBSERVED_MS = 50;

/**
 * The limiter's margin: the window is 1000 ms plus what can bunch two sends' arrivals together.
 * Two sends granted an interval apart reach TAT closer by at most: the network's jitter (a
 * setting: it cannot be seen from here), the spread of this process's delay between a slot's time
 * and its send (measured: p99 - p1 of the last 256 calls; event-loop delays and CPU load show up in
 * it). A RequestLimitExceeded adds a decaying step. A fixed margin
 * must cover the worst case always; this one costs only what the moment needs.
 */
export class AdaptiveMargin {
  private readonly lags: number[] = [];
  private next = 0;
  private bump = 0;
  private bumpedAt = 0;
  private cached = { at: 0, ms: 0 };

  constructor(private readonly options: AdaptiveMarginOptions) {}

  /** How late a call left after its slot's time. */
  observeSendLag(ms: number): void {
    this.lags[this.next] = Math.min(ms, MAX_OBSERVED_MS);
    this.next = (this.next + 1) % SAMPLES;
  }

  onRefusal(): void {
    this.bump = this.currentBump() + (this.options.refusalStepMs ?? 10);
    this.bumpedAt = Date.now();
  }

  private currentBump(): number {
    if (this.bump === 0) return 0;
    const halvings = (Date.now() - this.bumpedAt) / (this.options.decayMs ?? 30_000);
    return this.bump / 2 ** halvings;
  }

  /** How late a send may leave: what the margin allows for this process's unevenness (at least 2 ms). */
  lateAllowanceMs(): number {
    return Math.max(2, this.marginMs() - this.options.networkJitterMs);
  }

  /** The margin now, in ms (recomputed at most every 100 ms: it is read at every acquire). */
  marginMs(): number {
    const now = Date.now();
    if (now - this.cached.at < 100) return this.cached.ms;
    const sorted = [...this.lags].sort((a, b) => a - b);
    const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0;
    const sendSpread = sorted.length >= MIN_SAMPLES ? at(0.99) - at(0.01) : INITIAL_SPREAD_MS;
    const ms = this.options.networkJitterMs + sendSpread + this.currentBump();
    this.cached = { at: now, ms };
    return ms;
  }
}
