import { describe, expect, it } from "vitest";
import { bullBackoff, mayRetry, type RetryPolicy, retryDelayMs } from "../src/retry-policy.js";

const policy: RetryPolicy = {
  baseMs: 1000,
  maxMs: 60_000,
  jitter: "none",
  maxAttempts: 30,
  giveUpAfterMs: 3_600_000,
};

describe("one retry policy for chunks, invoker actions and webhooks", () => {
  it("doubles from the base up to the cap: the 30th try of an invoker action waits a minute, not years", () => {
    expect([1, 2, 3, 7, 29].map((attempt) => retryDelayMs(policy, attempt))).toEqual([
      1000, 2000, 4000, 60_000, 60_000,
    ]);
    expect(bullBackoff(policy)(6)).toBe(32_000);
  });

  it("spreads waits over [0, the wait] with full jitter", () => {
    const full = { ...policy, jitter: "full" as const };
    expect(retryDelayMs(full, 3, () => 0)).toBe(0);
    expect(retryDelayMs(full, 3, () => 0.5)).toBe(2000);
    expect(retryDelayMs(full, 3, () => 0.999)).toBeLessThanOrEqual(4000);
  });

  it("ends after maxAttempts tries or once the first is giveUpAfterMs old", () => {
    const t0 = 1_000_000;
    expect(mayRetry(policy, 29, t0, t0 + 1000)).toBe(true);
    expect(mayRetry(policy, 30, t0, t0 + 1000)).toBe(false);
    expect(mayRetry(policy, 1, t0, t0 + 3_600_000)).toBe(true);
    expect(mayRetry(policy, 1, t0, t0 + 3_600_001)).toBe(false);
    const forever = { ...policy, maxAttempts: Number.POSITIVE_INFINITY };
    expect(mayRetry(forever, 1_000_000, t0, t0)).toBe(true);
  });
});
