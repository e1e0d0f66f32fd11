import { fixture } from "@tat-bulk/test-support/fixture";
import { describe, expect, it } from "vitest";
import { cvmIds, dispatchAll, newBatch, startBatchesRedis } from "./batches-harness.js";

const db = fixture(startBatchesRedis);

/** A batch of one chunk that ended with 2 instances created, 1 failed for sure and 1 uncertain. */
async function partlyFailedBatch() {
  const pieces = db().pieces();
  const created = await pieces.writer.create(newBatch(cvmIds(4)));
  const batchId = created.kind === "created" ? created.summary.BatchId : "";
  await dispatchAll(pieces);
  const chunk = await pieces.reads.chunk(batchId, 0);
  if (!chunk) throw new Error("no chunk");
  const [a = "", b = "", c = "", d = ""] = chunk.instanceIds;
  await pieces.transitions.write(batchId, 0, chunk, {
    ...chunk,
    status: "PARTIALLY_FAILED",
    parts: [],
    invokers: [{ invokerId: "ivk-1", instanceIds: [a, b], state: "ENABLED" }],
    failed: [
      { instanceId: c, code: "ResourceUnavailable.AgentStatusNotOnline", message: "offline" },
      { instanceId: d, code: "InternalError", message: "no answer", uncertainPart: "1" },
    ],
  });
  return { ...pieces, batchId, c, d };
}

describe("retryFailed", () => {
  it("puts the failed instances back in a new round, the uncertain ones to be looked up first", async () => {
    const b = await partlyFailedBatch();
    expect(await b.reads.summary(b.batchId)).toMatchObject({ Status: "PARTIALLY_FAILED" });
    expect(await b.retry(b.batchId)).toEqual({ kind: "requeued", instances: 2, chunks: 1 });
    const chunk = await b.reads.chunk(b.batchId, 0);
    expect(chunk).toMatchObject({ status: "QUEUED", round: 1, failed: [] });
    expect(chunk?.parts.map((p) => [p.key, p.instanceIds, p.mayExist])).toEqual([
      ["1", [b.d], true],
      ["r1", [b.c], false],
    ]);
    expect(await b.reads.summary(b.batchId)).toMatchObject({
      Status: "RUNNING",
      FinishedAt: null,
      Instances: { Succeeded: 2, Failed: 0, Pending: 2 },
    });
    // Round 1 of chunk 0 waits in the scheduler, and the batch is in its inbox again.
    expect(await b.scheduler.waiting(b.batchId)).toEqual(new Set(["0:1"]));
    expect(await b.scheduler.inbox()).toContain(b.batchId);
  });

  it("is safe to call twice: the second finds nothing left to retry", async () => {
    const b = await partlyFailedBatch();
    const [first, second] = await Promise.all([b.retry(b.batchId), b.retry(b.batchId)]);
    expect([first, second].map((r) => (r.kind === "requeued" ? r.instances : -1)).sort()).toEqual([0, 2]);
    expect(await b.retry(b.batchId)).toEqual({ kind: "requeued", instances: 0, chunks: 0 });
  });

  it("answers missing for an unknown batch and cancelled for a cancelled one", async () => {
    const b = await partlyFailedBatch();
    expect(await b.retry("bat-ffffffffffffffff")).toEqual({ kind: "missing" });
    await db().redis.hset(b.keys.batch(b.batchId), "cancelRequested", "1");
    expect(await b.retry(b.batchId)).toEqual({ kind: "cancelled" });
  });
});
