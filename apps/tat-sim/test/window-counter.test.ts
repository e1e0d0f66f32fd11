import { describe, expect, it } from "vitest";
import { WindowCounter } from "../src/window-counter.js";

describe("WindowCounter", () => {
  it("finds the busiest window, the closest limit + 1 events and the pace of limit events", () => {
    // limit 3: four events 60 ms apart (a burst), then one every 400 ms.
    const counter = new WindowCounter(1000, 3);
    for (const at of [0, 60, 120, 180, 580, 980, 1380, 1780]) counter.add(at);
    expect(counter.max).toBe(6); // the 1000 ms ending at 980 hold the first six
    expect(counter.closestSpan).toBe(180);
    // Spans of four in a row: 180, 520, 860, 1200, 1200; 3 events per their mean (792 ms).
    expect(counter.steadyRate()).toBeCloseTo(3 / 0.792, 6);
  });

  it("places events that come out of order (receipt plus jitter) in time order", () => {
    const counter = new WindowCounter(1000, 3);
    for (const at of [60, 0, 180, 120, 980, 580, 1780, 1380]) counter.add(at);
    expect(counter.max).toBe(6);
    expect(counter.closestSpan).toBe(180);
    expect(counter.steadyRate()).toBeCloseTo(3 / 0.792, 6);
    expect([counter.first, counter.last]).toEqual([0, 1780]);
  });

  it("counts a late event in the windows that end after it", () => {
    const counter = new WindowCounter(1000, 2);
    for (const at of [100, 1050, 1000]) counter.add(at);
    // (50, 1050] holds all three; the windows ending at 1000 or earlier hold two.
    expect(counter.max).toBe(3);
    expect(counter.closestSpan).toBe(950);
  });

  it("has no closest span or rate before limit + 1 events", () => {
    const counter = new WindowCounter(1000, 20);
    for (let i = 0; i < 20; i++) counter.add(i * 50);
    expect(counter.closestSpan).toBeUndefined();
    expect(counter.steadyRate()).toBeUndefined();
  });
});
