import { fixture } from "@tat-bulk/test-support/fixture";
import { describe, expect, it } from "vitest";
import type { InvokerState } from "../src/batch-types.js";
import { finalStatusOf } from "../src/chunk-record.js";
import { recordInvokerActionError } from "../src/invoker-actions.js";
import { readOutbox } from "../src/outbox.js";
import { cvmIds, newBatch, startBatchesRedis } from "./batches-harness.js";

const db = fixture(startBatchesRedis);

/** A batch of two chunks: chunk 0 created its invoker, chunk 1 is still queued. */
async function halfDone() {
  const pieces = db().pieces();
  const created = await pieces.writer.create(newBatch(cvmIds(200)));
  const batchId = created.kind === "created" ? created.summary.BatchId : "";
  const chunk = await pieces.reads.chunk(batchId, 0);
  if (!chunk) throw new Error("no chunk 0");
  const next = {
    ...chunk,
    parts: [],
    invokers: [{ invokerId: "ivk-00000001", instanceIds: chunk.instanceIds, state: "ENABLED" as const }],
  };
  await pieces.transitions.write(batchId, 0, chunk, { ...next, status: finalStatusOf(next) });
  /** What a worker does once TAT answered for the invoker. */
  const setInvoker = async (state: InvokerState) => {
    const stored = await pieces.reads.chunk(batchId, 0);
    const invoker = stored?.invokers[0];
    if (!stored || !invoker) throw new Error("no invoker");
    return pieces.transitions.write(batchId, 0, stored, { ...stored, invokers: [{ ...invoker, state }] });
  };
  const events = async () => (await readOutbox(db().redis, pieces.keys)).map((e) => [e.Kind, e.BatchId]);
  return { ...pieces, batchId, setInvoker, events };
}

describe("invoker actions", () => {
  it("a cancel that disables: CANCELLING until the created invoker is disabled, then CANCELLED and one event", async () => {
    const b = await halfDone();
    expect(await b.cancel(b.batchId, "disable")).toMatchObject({
      Status: "CANCELLING",
      Instances: { Succeeded: 100, Cancelled: 100 },
      Invokers: { Enabled: 1, Disabled: 0, Deleted: 0 },
      InvokerAction: { Target: "DISABLED", Pending: 1, DoneAt: null },
    });
    const jobs = await b.invokerQueue.getJobs(["waiting"]);
    expect(jobs.map((job) => job.data)).toEqual([{ batchId: b.batchId, index: 0, seq: 1 }]);
    expect(await b.events()).toEqual([]);
    await b.setInvoker("DISABLED");
    expect(await b.reads.summary(b.batchId)).toMatchObject({
      Status: "CANCELLED",
      FinishedAt: expect.any(String),
      InvokerAction: { Target: "DISABLED", Pending: 0, DoneAt: expect.any(String) },
    });
    expect(await b.events()).toEqual([["finished", b.batchId]]);
  });

  it("a cancel whose invoker action fails for good ends CANCELLED with the error, not CANCELLING for good", async () => {
    const b = await halfDone();
    expect(await b.cancel(b.batchId, "disable")).toMatchObject({ Status: "CANCELLING" });
    // An error of an older action number changes nothing.
    await recordInvokerActionError(db().redis, b.keys, b.batchId, 0, "DisableInvoker: X: stale");
    expect(await b.reads.summary(b.batchId)).toMatchObject({ Status: "CANCELLING", FinishedAt: null });
    await recordInvokerActionError(
      db().redis,
      b.keys,
      b.batchId,
      1,
      "DisableInvoker: UnauthorizedOperation: no",
    );
    expect(await b.reads.summary(b.batchId)).toMatchObject({
      Status: "CANCELLED",
      FinishedAt: expect.any(String),
      InvokerAction: {
        Target: "DISABLED",
        Pending: 1,
        DoneAt: null,
        Error: "DisableInvoker: UnauthorizedOperation: no",
      },
    });
    expect(await b.events()).toEqual([["finished", b.batchId]]);
  });

  it("a cancel that keeps the invokers ends CANCELLED at once", async () => {
    const b = await halfDone();
    expect(await b.cancel(b.batchId, "keep")).toMatchObject({ Status: "CANCELLED", InvokerAction: null });
    expect(await b.invokerQueue.getWaitingCount()).toBe(0);
  });

  it("an action on a finished batch keeps its status, and completing it is an event of its own", async () => {
    const b = await halfDone();
    const one = await b.reads.chunk(b.batchId, 1);
    if (!one) throw new Error("no chunk 1");
    const next = {
      ...one,
      parts: [],
      invokers: [{ invokerId: "ivk-00000002", instanceIds: one.instanceIds, state: "ENABLED" as const }],
    };
    await b.transitions.write(b.batchId, 1, one, { ...next, status: finalStatusOf(next) });
    expect(await b.reads.summary(b.batchId)).toMatchObject({ Status: "SUCCEEDED" });
    expect(await b.invokerAction(b.batchId, "DELETED")).toEqual({ seq: 1, chunks: 2 });
    expect(await b.reads.summary(b.batchId)).toMatchObject({
      Status: "SUCCEEDED",
      InvokerAction: { Target: "DELETED", Pending: 2 },
    });
    await b.setInvoker("DELETED");
    const last = await b.reads.chunk(b.batchId, 1);
    const invoker = last?.invokers[0];
    if (!last || !invoker) throw new Error("no chunk 1");
    await b.transitions.write(b.batchId, 1, last, { ...last, invokers: [{ ...invoker, state: "DELETED" }] });
    expect(await b.reads.summary(b.batchId)).toMatchObject({
      Status: "SUCCEEDED",
      Invokers: { Enabled: 0, Deleted: 2 },
      InvokerAction: { Pending: 0, DoneAt: expect.any(String) },
    });
    expect(await b.events()).toEqual([
      ["finished", b.batchId],
      ["invokers", b.batchId],
    ]);
    expect(await b.invokerAction("bat-ffffffffffffffff", "DISABLED")).toBeUndefined();
  });
});
