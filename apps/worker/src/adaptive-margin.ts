export interface AdaptiveMarginOptions {
  /** What the network may add between our send and TAT's clock (TAT_RATE_MARGIN_MS). */
  networkJitterMs: number;
  /** Added on each RequestLimitExceeded, halving every `decayMs`. */
  refusalStepMs?: number;
  decayMs?: number;
}

/**
 * The limiter's margin: the window is 1000 ms plus what can bunch two sends' arrivals together
 * that the limiter does not see. How late each call left is not part of it any more: the limiter
 * records every send's own time and counts the window from it (see SharedRateLimiter), so a late
 * send costs its own lateness once. What stays is the network's jitter (a setting: it cannot be
 * seen from here) and, after a RequestLimitExceeded, a step that decays: TAT's clock saw something
 * ours did not.
 */
export class AdaptiveMargin {
  private bump = 0;
  private bumpedAt = 0;

  constructor(private readonly options: AdaptiveMarginOptions) {}

  onRefusal(): void {
    this.bump = this.currentBump() + (this.options.refusalStepMs ?? 10);
    this.bumpedAt = Date.now();
  }

  private currentBump(): number {
    if (this.bump === 0) return 0;
    const halvings = (Date.now() - this.bumpedAt) / (this.options.decayMs ?? 30_000);
    return this.bump / 2 ** halvings;
  }

  /** The margin now, in ms. */
  marginMs(): number {
    return this.options.networkJitterMs + this.currentBump();
  }
}
