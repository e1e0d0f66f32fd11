import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createParams, type SimHarness, startSim } from "./sim-harness.js";

let h: SimHarness;
beforeAll(async () => {
  h = await startSim({ TAT_SIM_RATE_LIMIT: "100000" });
});
afterAll(async () => {
  await h.close();
});
beforeEach(async () => {
  await h.admin("POST", "/reset");
  await h.admin("PATCH", "/faults", {
    arrivalJitterMs: 0,
    latencyMs: 0,
    latencyJitterMs: 0,
    probabilities: {
      "internal-error-before": 0,
      "internal-error-after": 0,
      "hang-before": 0,
      "hang-after": 0,
      "bad-gateway": 0,
      "non-json": 0,
    },
  });
});

const invokerCount = async () => (await h.admin<{ invokers: number }>("GET", "/stats")).invokers;

describe("scripted faults: the next N calls of an action", () => {
  it.each([
    ["internal-error-before", "InternalError", 0],
    ["internal-error-after", "InternalError", 1],
    ["bad-gateway", "HttpError", 0],
    ["non-json", "InvalidResponse", 0],
    ["hang-before", "Timeout", 0],
    ["hang-after", "Timeout", 1],
    ["service-unavailable", "ServiceUnavailable", 0],
    ["request-limit-exceeded", "RequestLimitExceeded", 0],
  ])("%s answers %s and leaves %i invoker", async (fault, code, invokers) => {
    await h.admin("POST", "/faults/script", { action: "CreateInvoker", fault, count: 1 });
    const client = h.client({ timeoutMs: 300 });
    expect(await client.call("CreateInvoker", "ap-guangzhou", createParams())).toMatchObject({
      ok: false,
      code,
    });
    expect(await invokerCount()).toBe(invokers);
    // Only the next call was scripted.
    expect(await client.call("CreateInvoker", "ap-guangzhou", createParams())).toMatchObject({ ok: true });
  });

  it("slow delays the answer but succeeds; scripts are per action", async () => {
    await h.admin("POST", "/faults/script", { action: "CreateInvoker", fault: "slow", delayMs: 300 });
    const client = h.client();
    const fast = await client.call("DescribeInvokers", "ap-guangzhou", {});
    expect(fast.ok).toBe(true);
    const started = Date.now();
    expect(await client.call("CreateInvoker", "ap-guangzhou", createParams())).toMatchObject({ ok: true });
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
  });

  it("counts the script down over N calls", async () => {
    await h.admin("POST", "/faults/script", {
      action: "CreateInvoker",
      fault: "internal-error-before",
      count: 3,
    });
    const client = h.client();
    const codes = [];
    for (let i = 0; i < 4; i++) {
      const r = await client.call("CreateInvoker", "ap-guangzhou", createParams());
      codes.push(r.ok ? "ok" : r.code);
    }
    expect(codes).toEqual(["InternalError", "InternalError", "InternalError", "ok"]);
  });
});

describe("fault probabilities", () => {
  it("inject InternalError before and after creation at their rates (within 5 sigma)", async () => {
    await h.admin("PATCH", "/faults", {
      probabilities: { "internal-error-before": 0.2, "internal-error-after": 0.1 },
    });
    const n = 1000;
    const client = h.client();
    const results = [];
    for (let i = 0; i < n; i += 50) {
      results.push(
        ...(await Promise.all(
          Array.from({ length: 50 }, () => client.call("CreateInvoker", "ap-guangzhou", createParams())),
        )),
      );
    }
    const errors = results.filter((r) => !r.ok && r.code === "InternalError").length;
    const successes = results.filter((r) => r.ok).length;
    const within = (observed: number, p: number) =>
      Math.abs(observed - n * p) <= 5 * Math.sqrt(n * p * (1 - p));
    expect(within(errors, 0.3), `errors ${errors}`).toBe(true);
    expect(within(successes, 0.7), `successes ${successes}`).toBe(true);
    // Created = successes + errors after creation (p = 0.1 of all calls).
    const afterCreation = (await invokerCount()) - successes;
    expect(within(afterCreation, 0.1), `after creation ${afterCreation}`).toBe(true);
  });

  it("apply only to the configured actions", async () => {
    await h.admin("PATCH", "/faults", { probabilities: { "internal-error-before": 1 } });
    const client = h.client();
    expect(await client.call("DescribeInvokers", "ap-guangzhou", {})).toMatchObject({ ok: true });
    expect(await client.call("CreateInvoker", "ap-guangzhou", createParams())).toMatchObject({ ok: false });
  });

  it("delay arrivals by up to the configured jitter", async () => {
    await h.admin("PATCH", "/faults", { arrivalJitterMs: 40 });
    const client = h.client();
    const durations = [];
    for (let i = 0; i < 30; i++) {
      const started = performance.now();
      await client.call("DescribeInvokers", "ap-guangzhou", {});
      durations.push(performance.now() - started);
    }
    expect(Math.max(...durations)).toBeGreaterThan(20);
    expect(Math.min(...durations)).toBeLessThan(30);
  });
});

describe("admin API", () => {
  it("refuses a bad fault setting", async () => {
    await expect(h.admin("PATCH", "/faults", { probabilities: { "hang-before": 2 } })).rejects.toThrow(/400/);
  });
});

describe("outage: every action fails for a while, then TAT answers again", () => {
  it("answers the outage's fault to every action until it ends, and reports the calls it met", async () => {
    const started = await h.admin<{ active: boolean }>("POST", "/outage", {
      durationMs: 400,
      fault: "service-unavailable",
    });
    expect(started.active).toBe(true);
    const client = h.client();
    for (const action of ["CreateInvoker", "DescribeInvokers"]) {
      const params = action === "CreateInvoker" ? createParams() : {};
      expect(await client.call(action, "ap-guangzhou", params)).toMatchObject({
        ok: false,
        code: "ServiceUnavailable",
      });
    }
    expect(await invokerCount()).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 450));
    expect(await client.call("CreateInvoker", "ap-guangzhou", createParams())).toMatchObject({ ok: true });
    const report = await h.admin<{ active: boolean; calls: Array<{ action: string; atMs: number }> }>(
      "GET",
      "/outage",
    );
    expect(report.active).toBe(false);
    expect(report.calls.map((c) => c.action)).toEqual(["CreateInvoker", "DescribeInvokers"]);
  });

  it("ends early on DELETE", async () => {
    await h.admin("POST", "/outage", { durationMs: 60_000 });
    expect(await h.admin("DELETE", "/outage")).toMatchObject({
      active: false,
      fault: "internal-error-before",
    });
    expect(await h.client().call("DescribeInvokers", "ap-guangzhou", {})).toMatchObject({ ok: true });
  });
});
