import { SharedRateLimiter } from "@tat-bulk/rate-limit";
import { TatClient } from "@tat-bulk/tat-client";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CHUNK_TAG_KEY, chunkTagValue } from "../src/chunk-identity.js";
import { findChunkInvoker } from "../src/invoker-finder.js";
import { RateLimitedTat } from "../src/rate-limited-tat.js";
import { createWorkerMetrics } from "../src/worker-metrics.js";
import { baseRequest, cvmIds, SECRET_ID, SECRET_KEY, type Stack, startStack } from "./worker-harness.js";

let stack: Stack;
let redis: Redis;
let client: TatClient;
let tat: RateLimitedTat;
let limiter: SharedRateLimiter;
beforeAll(async () => {
  stack = await startStack({ simEnv: { TAT_SIM_RATE_LIMIT: "100000" } });
  redis = new Redis(stack.redisUrl);
  client = new TatClient({
    endpoint: stack.simUrl,
    secretId: SECRET_ID,
    secretKey: SECRET_KEY,
    timeoutMs: 5000,
  });
  limiter = new SharedRateLimiter({
    redis,
    keyPrefix: "finder-test:",
    limit: 1000,
    windowMs: 1000,
    penaltyMs: 0,
  });
  tat = new RateLimitedTat(client, limiter, createWorkerMetrics(), "test");
});
afterAll(async () => {
  limiter.close();
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

describe("findChunkInvoker", () => {
  it("reads every page: finds the oldest invoker behind 250 newer ones of the same command", async () => {
    await stack.admin("POST", "/reset");
    const target = await create(cvmIds(3), [
      { Key: CHUNK_TAG_KEY, Value: chunkTagValue("bat-0000000000000001", 7) },
    ]);
    for (let i = 0; i < 250; i++) {
      await create(cvmIds(1, 100 + i), [
        { Key: CHUNK_TAG_KEY, Value: chunkTagValue("bat-0000000000000002", i) },
      ]);
    }
    const found = await findChunkInvoker(tat, baseRequest, {
      batchId: "bat-0000000000000001",
      index: 7,
      instanceIds: cvmIds(3),
      firstSentMs: Date.now() - 60_000,
    });
    expect(found).toEqual({ kind: "found", invokerId: target.ok ? target.response.InvokerId : "" });
    expect((await stack.admin("GET", "/stats")).calls.DescribeInvokers).toEqual({ Success: 3 });
  });

  it("answers absent after reading every page when no invoker carries the chunk's tag", async () => {
    const found = await findChunkInvoker(tat, baseRequest, {
      batchId: "bat-0000000000000001",
      index: 8,
      instanceIds: cvmIds(3),
      firstSentMs: Date.now() - 60_000,
    });
    expect(found).toEqual({ kind: "absent" });
  });

  it("answers unknown with the code when DescribeInvokers fails", async () => {
    await stack.admin("POST", "/faults/script", {
      action: "DescribeInvokers",
      fault: "internal-error-before",
    });
    const found = await findChunkInvoker(tat, baseRequest, {
      batchId: "bat-0000000000000001",
      index: 7,
      instanceIds: cvmIds(3),
      firstSentMs: 0,
    });
    expect(found).toEqual({ kind: "unknown", code: "InternalError" });
  });
});
