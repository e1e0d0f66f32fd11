import { CircuitBreakers, SharedRateLimiter } from "@tat-bulk/rate-limit";
import type { TatClient } from "@tat-bulk/tat-client";
import { Redis } from "ioredis";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CHUNK_TAG_KEY, chunkTagValue, tagsForPart } from "../src/chunk-identity.js";
import { findPartInvoker } from "../src/invoker-finder.js";
import { RateLimitedTat } from "../src/rate-limited-tat.js";
import { createWorkerMetrics } from "../src/worker-metrics.js";
import { baseRequest, cvmIds, type Stack, simClient, startStack } from "./worker-harness.js";

let stack: Stack;
let redis: Redis;
let client: TatClient;
let tat: RateLimitedTat;
let limiter: SharedRateLimiter;
let breakers: CircuitBreakers;
beforeAll(async () => {
  stack = await startStack({ simEnv: { TAT_SIM_RATE_LIMIT: "100000" } });
  redis = new Redis(stack.redisUrl);
  client = simClient(stack.simUrl);
  limiter = new SharedRateLimiter({
    redis,
    keyPrefix: "finder-test:",
    limit: 1000,
    windowMs: 1000,
    penaltyMs: 0,
  });
  breakers = new CircuitBreakers(redis, {
    consecutive: 5,
    failures: 10,
    window: 20,
    firstProbeMs: 1000,
    probeCapMs: 5000,
    probeLeaseMs: 5000,
  });
  tat = new RateLimitedTat({
    client,
    limiter,
    breakers,
    metrics: createWorkerMetrics(),
    logger: pino({ level: "silent" }),
    group: "finder-test",
    limitOf: () => 1000,
  });
});
afterAll(async () => {
  limiter.close();
  breakers.close();
  client.close();
  redis.disconnect();
  await stack.close();
});

const create = (ids: string[], tags: Array<{ Key: string; Value: string }>) =>
  client.call<{ InvokerId: string }>("CreateInvoker", "ap-guangzhou", {
    ...baseRequest,
    Region: undefined,
    InstanceIds: ids,
    Tags: tags,
  });

const part = (index: number, key = "", firstSentMs = Date.now() - 60_000) => ({
  batchId: "bat-0000000000000001",
  index,
  key,
  instanceIds: cvmIds(3),
  firstSentMs,
});

describe("findPartInvoker", () => {
  it("reads every page: finds the oldest invoker behind 250 newer ones of the same command", async () => {
    await stack.admin("POST", "/reset");
    const target = await create(cvmIds(3), [{ Key: CHUNK_TAG_KEY, Value: chunkTagValue(part(7)) }]);
    for (let i = 0; i < 250; i++) {
      await create(cvmIds(1, 100 + i), [
        { Key: CHUNK_TAG_KEY, Value: chunkTagValue({ batchId: "bat-0000000000000002", index: i, key: "" }) },
      ]);
    }
    const found = await findPartInvoker(tat, baseRequest, part(7));
    expect(found).toEqual({
      kind: "found",
      invokerId: target.ok ? target.response.InvokerId : "",
      instanceIds: cvmIds(3),
      lookalikes: [],
    });
    expect((await stack.admin("GET", "/stats")).calls.DescribeInvokers).toEqual({ Success: 3 });
  });

  it("tells a split part's invoker from its chunk's and its sibling's", async () => {
    await stack.admin("POST", "/reset");
    await create(cvmIds(3), [{ Key: CHUNK_TAG_KEY, Value: chunkTagValue(part(9, "0")) }]);
    const sibling = await create(cvmIds(3), [{ Key: CHUNK_TAG_KEY, Value: chunkTagValue(part(9, "1")) }]);
    expect(chunkTagValue(part(9, "1"))).toBe("bat-0000000000000001/9/1");
    expect(await findPartInvoker(tat, baseRequest, part(9, "1"))).toMatchObject({
      kind: "found",
      invokerId: sibling.ok ? sibling.response.InvokerId : "",
    });
    expect(await findPartInvoker(tat, baseRequest, part(9))).toEqual({ kind: "absent", lookalikes: [] });
  });

  it("never adopts an invoker that carries the part's tag and runs something else; it reports it", async () => {
    await stack.admin("POST", "/reset");
    const tag = { Key: CHUNK_TAG_KEY, Value: chunkTagValue(part(5)) };
    // Another batch's caller wrote this part's tag on its own invoker: other parameters, other instances.
    const spoof = await client.call<{ InvokerId: string }>("CreateInvoker", "ap-guangzhou", {
      ...baseRequest,
      Region: undefined,
      InstanceIds: cvmIds(3, 500),
      Tags: [tag],
    });
    const otherUser = await client.call<{ InvokerId: string }>("CreateInvoker", "ap-guangzhou", {
      ...baseRequest,
      Region: undefined,
      InstanceIds: cvmIds(3),
      Username: "nobody",
      Tags: [tag],
    });
    const ids = [spoof, otherUser].map((r) => (r.ok ? r.response.InvokerId : ""));
    const found = await findPartInvoker(tat, baseRequest, part(5));
    expect(found).toEqual({ kind: "absent", lookalikes: expect.arrayContaining(ids) });
    // The real one, once there, is found beside them.
    const real = await create(cvmIds(3), [tag]);
    expect(await findPartInvoker(tat, baseRequest, part(5))).toMatchObject({
      kind: "found",
      invokerId: real.ok ? real.response.InvokerId : "",
    });
  });

  it("does not let a batch's own tat-bulk tag stand for the one tat-bulk writes", () => {
    const request = {
      ...baseRequest,
      Tags: [
        { Key: CHUNK_TAG_KEY, Value: "bat-ffffffffffffffff/0" },
        { Key: "team", Value: "sre" },
      ],
    };
    expect(tagsForPart(request, part(2))).toEqual([
      { Key: "team", Value: "sre" },
      { Key: CHUNK_TAG_KEY, Value: chunkTagValue(part(2)) },
    ]);
  });

  it("answers absent after reading every page when no invoker carries the part's tag", async () => {
    expect(await findPartInvoker(tat, baseRequest, part(8))).toEqual({ kind: "absent", lookalikes: [] });
  });

  it("answers unknown with the code when DescribeInvokers fails", async () => {
    await stack.admin("POST", "/faults/script", {
      action: "DescribeInvokers",
      fault: "internal-error-before",
    });
    expect(await findPartInvoker(tat, baseRequest, part(7, "", 0))).toEqual({
      kind: "unknown",
      code: "InternalError",
      outage: false,
      at: expect.any(Number),
    });
  });
});
