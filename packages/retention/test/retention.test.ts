import { randomBytes } from "node:crypto";
import { BatchReads, redisKeys } from "@tat-bulk/batches";
import { FollowState, RunReads, RunStore, runKeys } from "@tat-bulk/runs";
import { connectTestRedis } from "@tat-bulk/test-support";
import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BatchPurge } from "../src/batch-purge.js";
import { BatchQuiet } from "../src/batch-quiet.js";
import { stampFinished } from "../src/expiry-stamp.js";

let redis: Redis;
let close: () => Promise<void>;
beforeAll(async () => ({ redis, close } = await connectTestRedis()));
afterAll(() => close());

const T0 = Date.parse("2026-06-01T00:00:00Z");
const REQUEST = {
  CommandId: "cmd-m7uma92n",
  Name: "n",
  Type: "SCHEDULE",
  Region: "ap-guangzhou",
  ScheduleSettings: { Policy: "ONCE", InvokeTime: "2026-06-01T00:00:00Z" },
};

/** A namespace with one finished batch written as the scripts leave it, with a run and an idempotency key. */
async function finishedBatch(fields: Record<string, string> = {}) {
  const ns = `ret-${randomBytes(4).toString("hex")}`;
  const keys = redisKeys(ns);
  const runs = runKeys(ns);
  const batchId = `bat-${randomBytes(8).toString("hex")}`;
  await redis.hset(keys.batch(batchId), {
    status: "SUCCEEDED",
    request: JSON.stringify(REQUEST),
    instanceCount: "2",
    createdAt: String(T0 - 60_000),
    updatedAt: String(T0),
    finishedAt: String(T0),
    caller: "deploy",
    idempotencyKey: "deploy:k1",
    invokersEnabled: "1",
    ...fields,
  });
  await redis.hset(keys.chunks(batchId), "0", "{}");
  await redis.zadd(keys.batchIndex, T0, batchId);
  await redis.zadd(keys.callerBatches("deploy"), T0, batchId);
  await redis.set(keys.idempotency("deploy:k1"), `fp ${batchId} ${T0}`);
  const store = new RunStore(redis, ns);
  const { runId } = await store.createScheduled(batchId, T0, [
    { invokerId: "ivk-1", instanceIds: ["ins-1"] },
  ]);
  await redis.hset(runs.run(batchId, runId), "finishedAt", String(T0 + 5000), "status", "SUCCEEDED");
  await redis.del(runs.awaiting(batchId, runId));
  const reads = new BatchReads(redis, keys);
  const quiet = new BatchQuiet({
    redis,
    keys,
    namespace: ns,
    reads,
    runs: new RunReads(redis, ns),
    runStore: store,
  });
  const purge = new BatchPurge(redis, ns);
  // The queues' own keys (their settings) are the service's, not the batch's.
  const nsKeys = async () => (await redis.keys(`tat-bulk:*${ns}*`)).sort();
  return { ns, keys, runs, batchId, runId, quiet, purge, nsKeys };
}

describe("when a batch is finished", () => {
  it("is finished once final, its runs over, no delivery pending: since its last run's end", async () => {
    const b = await finishedBatch();
    const now = T0 + 3_600_000;
    expect(await b.quiet.check(b.batchId, new Set(), now)).toEqual({ finished: true, sinceMs: T0 + 5000 });
    expect(await b.quiet.check(b.batchId, new Set([b.batchId]), now)).toEqual({
      finished: false,
      reason: "deliveries",
    });
    await redis.rpush(
      b.keys.outbox,
      JSON.stringify({
        EventId: `evt-${b.batchId}-finished-1`,
        Kind: "finished",
        BatchId: b.batchId,
        At: T0,
      }),
    );
    expect((await b.quiet.pendingDeliveries()).has(b.batchId)).toBe(true);
    await b.quiet.close();
    await b.purge.close();
  });

  it("is not while reopened, while an invoker action runs, or while a recurring schedule is live", async () => {
    const now = T0 + 3_600_000;
    const reopened = await finishedBatch();
    await redis.hdel(reopened.keys.batch(reopened.batchId), "finishedAt");
    expect(await reopened.quiet.check(reopened.batchId, new Set(), now)).toMatchObject({
      reason: "unfinished",
    });
    const acting = await finishedBatch({ invokerTarget: "DISABLED", invokerRequestedAt: String(T0) });
    expect(await acting.quiet.check(acting.batchId, new Set(), now)).toMatchObject({ reason: "invokers" });
    const recurring = { ...REQUEST, ScheduleSettings: { Policy: "RECURRENCE", Recurrence: "0 0 * * *" } };
    const live = await finishedBatch({ request: JSON.stringify(recurring) });
    expect(await live.quiet.check(live.batchId, new Set(), now)).toMatchObject({ reason: "schedule" });
    const deleted = await finishedBatch({
      request: JSON.stringify(recurring),
      invokerTarget: "DELETED",
      invokerDoneAt: String(T0 + 9000),
    });
    expect(await deleted.quiet.check(deleted.batchId, new Set(), now)).toEqual({
      finished: true,
      sinceMs: T0 + 9000,
    });
    for (const b of [reopened, acting, live, deleted]) await Promise.all([b.quiet.close(), b.purge.close()]);
  });
});

describe("a ONCE batch whose time has just come", () => {
  it("is finished once its run is made, or once its follower handled the time with no invoker to fire", async () => {
    const now = T0 + 60_000;
    const b = await finishedBatch();
    expect(await b.quiet.check(b.batchId, new Set(), now)).toMatchObject({ finished: true });
    await redis.del(b.runs.run(b.batchId, b.runId));
    await redis.zrem(b.runs.index(b.batchId), b.runId);
    expect(await b.quiet.check(b.batchId, new Set(), now)).toMatchObject({ reason: "schedule" });
    await new FollowState(redis, b.ns).set(b.batchId, { handledUntil: T0 - 1000, quiet: 0 });
    expect(await b.quiet.check(b.batchId, new Set(), now)).toMatchObject({ reason: "schedule" });
    await new FollowState(redis, b.ns).set(b.batchId, { handledUntil: T0, quiet: 1 });
    expect(await b.quiet.check(b.batchId, new Set(), now)).toEqual({ finished: true, sinceMs: T0 });
    await Promise.all([b.quiet.close(), b.purge.close()]);
  });
});

describe("a purge", () => {
  it("removes the batch and everything under it, and the idempotency key only while it names the batch", async () => {
    const b = await finishedBatch();
    expect(await stampFinished(redis, b.keys, b.batchId, T0 + 10_000)).toBe(true);
    expect(await b.purge.purge(b.batchId, "expired", T0 + 9_999)).toBe("not-due");
    expect(await redis.hget(b.keys.batch(b.batchId), "quietAt")).toBe(String(T0 + 10_000));
    const other = await finishedBatch();
    await redis.set(other.keys.idempotency("deploy:k1"), "fp bat-someoneelse 1");
    expect(await b.purge.purge(b.batchId, "expired", T0 + 10_000)).toBe("purged");
    expect(await b.nsKeys()).toEqual([]);
    expect(await other.purge.purge(other.batchId, "now")).toBe("purged");
    // The key was claimed again by another batch: it stays.
    expect(await other.nsKeys()).toEqual([other.keys.idempotency("deploy:k1")]);
    expect(await b.purge.purge(b.batchId, "now")).toBe("missing");
    for (const x of [b, other]) await Promise.all([x.quiet.close(), x.purge.close()]);
  });

  it("checks again in its own step: a batch reopened, acting or rerunning since its stamp keeps everything and loses its stamp", async () => {
    for (const [reopen, outcome] of [
      [
        // A retry's first chunk write: RUNNING again, no finishedAt.
        (b: Awaited<ReturnType<typeof finishedBatch>>) =>
          redis
            .hdel(b.keys.batch(b.batchId), "finishedAt")
            .then(() => redis.hset(b.keys.batch(b.batchId), "status", "RUNNING")),
        "unfinished",
      ],
      [
        (b: Awaited<ReturnType<typeof finishedBatch>>) =>
          redis.hset(b.keys.batch(b.batchId), "invokerTarget", "ENABLED"),
        "invokers",
      ],
      [
        (b: Awaited<ReturnType<typeof finishedBatch>>) =>
          new RunStore(redis, b.ns).createRerun(b.batchId, b.runId, ["ins-1"]),
        "run",
      ],
    ] as const) {
      const b = await finishedBatch();
      await stampFinished(redis, b.keys, b.batchId, T0 + 10_000);
      const before = await b.nsKeys();
      await reopen(b);
      expect(await b.purge.purge(b.batchId, "expired", T0 + 20_000)).toBe(outcome);
      expect(await redis.hget(b.keys.batch(b.batchId), "quietAt")).toBeNull();
      expect(await redis.zscore(b.keys.expiring, b.batchId)).toBeNull();
      expect((await b.nsKeys()).filter((k) => before.includes(k) && k !== b.keys.expiring)).toEqual(
        before.filter((k) => k !== b.keys.expiring),
      );
      await Promise.all([b.quiet.close(), b.purge.close()]);
    }
  });
});
