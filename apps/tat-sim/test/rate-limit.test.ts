import { afterEach, describe, expect, it } from "vitest";
import { createParams, type SimHarness, startSim } from "./sim-harness.js";

let h: SimHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

type Stats = {
  calls: Record<string, Record<string, number>>;
  windows: Record<string, { maxAcceptedIn1000ms: number; maxArrivalsIn1000ms: number; accepted: number }>;
};

const burst = (sim: SimHarness, n: number, action = "DescribeInvokers") => {
  const client = sim.client();
  return Promise.all(
    Array.from({ length: n }, () =>
      client.call(action, "ap-guangzhou", action === "CreateInvoker" ? createParams() : {}),
    ),
  );
};

describe.each(["sliding", "fixed"])("%s window", (mode) => {
  it("accepts exactly 20 of a burst of 30", async () => {
    h = await startSim({ TAT_SIM_RATE_WINDOW: mode });
    if (mode === "fixed") {
      // Start the burst early in an aligned second so that it cannot straddle two windows.
      await new Promise((resolve) => setTimeout(resolve, 1050 - (Date.now() % 1000)));
    }
    const results = await burst(h, 30);
    expect(results.filter((r) => r.ok)).toHaveLength(20);
    expect(results.filter((r) => !r.ok && r.code === "RequestLimitExceeded")).toHaveLength(10);
  });

  it("counts each action apart", async () => {
    h = await startSim({ TAT_SIM_RATE_WINDOW: mode });
    if (mode === "fixed") await new Promise((resolve) => setTimeout(resolve, 1050 - (Date.now() % 1000)));
    const [describe, create] = await Promise.all([burst(h, 20), burst(h, 20, "CreateInvoker")]);
    expect(describe.every((r) => r.ok)).toBe(true);
    expect(create.every((r) => r.ok)).toBe(true);
  });
});

describe("sliding window", () => {
  it("never lets 21 through any 1000 ms under a steady overload", async () => {
    h = await startSim({ TAT_SIM_RATE_WINDOW: "sliding" });
    const client = h.client();
    const deadline = Date.now() + 3000;
    const stamps: number[] = [];
    // 4 callers in a loop, about 40 calls per second: twice the limit.
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        while (Date.now() < deadline) {
          const r = await client.call("DescribeInvokers", "ap-guangzhou", {});
          if (r.ok) stamps.push(Date.now());
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      }),
    );
    const stats = await h.admin<Stats>("GET", "/stats");
    const window = Object.values(stats.windows)[0];
    expect(window?.maxAcceptedIn1000ms).toBe(20);
    expect(window?.maxArrivalsIn1000ms).toBeGreaterThan(20);
    expect(stats.calls.DescribeInvokers?.RequestLimitExceeded).toBeGreaterThan(0);
    // Three seconds at the limit accept at most 20 per started second.
    expect(stamps.length).toBeLessThanOrEqual(80);
    expect(stamps.length).toBeGreaterThanOrEqual(40);
  });

  it("rejected arrivals do not count against the budget", async () => {
    h = await startSim({ TAT_SIM_RATE_WINDOW: "sliding" });
    await burst(h, 20);
    // 50 more refused arrivals during the window...
    expect((await burst(h, 50)).every((r) => !r.ok)).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 1050));
    // ...and a second later the full budget is back.
    expect((await burst(h, 20)).every((r) => r.ok)).toBe(true);
  });
});

describe("fixed window", () => {
  it("lets up to 40 through 1000 ms that straddle an aligned second, as Tencent documents", async () => {
    h = await startSim({ TAT_SIM_RATE_WINDOW: "fixed" });
    await new Promise((resolve) => setTimeout(resolve, 1000 - (Date.now() % 1000) + 800));
    const first = await burst(h, 20);
    await new Promise((resolve) => setTimeout(resolve, 1000 - (Date.now() % 1000) + 20));
    const second = await burst(h, 20);
    expect([...first, ...second].filter((r) => r.ok)).toHaveLength(40);
    const stats = await h.admin<Stats>("GET", "/stats");
    expect(Object.values(stats.windows)[0]?.maxAcceptedIn1000ms).toBeGreaterThan(20);
  });
});
