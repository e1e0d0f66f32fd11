import { describe, expect, it } from "vitest";
import { RateLimiter } from "../src/rate-limiter.js";

describe("RateLimiter, sliding window, arrivals handled out of order", () => {
  it("accepts a late arrival that fits every window holding it", () => {
    const limiter = new RateLimiter(2, "sliding");
    expect(limiter.tryAcquire("k", 100)).toBe(true);
    expect(limiter.tryAcquire("k", 1500)).toBe(true);
    // (-300, 700] and (500, 1500] each hold two with it.
    expect(limiter.tryAcquire("k", 700)).toBe(true);
  });

  it("refuses a late arrival that would make a later window hold one too many", () => {
    const limiter = new RateLimiter(2, "sliding");
    expect(limiter.tryAcquire("k", 100)).toBe(true);
    expect(limiter.tryAcquire("k", 1050)).toBe(true);
    // (50, 1050] would hold 100, 600 and 1050.
    expect(limiter.tryAcquire("k", 600)).toBe(false);
    // A refused arrival uses no budget: 1101 shares no window with 100.
    expect(limiter.tryAcquire("k", 1101)).toBe(true);
  });
});
