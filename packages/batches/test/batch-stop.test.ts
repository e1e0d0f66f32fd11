import { chunkJobId } from "@tat-bulk/chunk-queue";
import { fixture } from "@tat-bulk/test-support/fixture";
import { describe, expect, it } from "vitest";
import { finalStatusOf } from "../src/chunk-record.js";
import { cvmIds, dispatchAll, newBatch, request, startBatchesRedis } from "./batches-harness.js";

const db = fixture(startBatchesRedis);

describe("cancelBatch", () => {
  it("removes the queued jobs, cancels those chunks, and leaves running and ambiguous ones to their workers", async () => {
    const pieces = db().pieces();
    const { writer, reads, queue, transitions } = pieces;
    const created = await writer.create(newBatch(cvmIds(400)));
    const batchId = created.kind === "created" ? created.summary.BatchId : "";
    await dispatchAll(pieces);
    // Chunk 1 is in a call; chunk 2 is queued again after a call that may have created its invoker.
    const one = await reads.chunk(batchId, 1);
    const two = await reads.chunk(batchId, 2);
    if (!one || !two) throw new Error("chunks missing");
    const mayExist = (chunk: typeof one) => chunk.parts.map((part) => ({ ...part, mayExist: true }));
    await transitions.write(batchId, 1, one, { ...one, status: "RUNNING", parts: mayExist(one) });
    await transitions.write(batchId, 2, two, { ...two, parts: mayExist(two), attempts: 1 });

    const summary = await pieces.cancel(batchId);
    expect(summary).toMatchObject({
      CancelRequested: true,
      Status: "RUNNING",
      Counts: { Queued: 1, Running: 1, Cancelled: 2 },
      Instances: { Cancelled: 200, Pending: 200 },
    });
    // Only the chunks cancel took over lose their jobs (a worker holds a running chunk's job).
    const waiting = (await queue.getJobs(["waiting"])).map((job) => job.id).sort();
    expect(waiting).toEqual([chunkJobId(batchId, 1), chunkJobId(batchId, 2)]);
    expect((await reads.chunk(batchId, 0))?.status).toBe("CANCELLED");
    expect((await reads.chunk(batchId, 3))?.status).toBe("CANCELLED");
  });

  it("takes chunks still waiting in the scheduler out, and cancels them", async () => {
    const pieces = db().pieces();
    const created = await pieces.writer.create(newBatch(cvmIds(300)));
    const batchId = created.kind === "created" ? created.summary.BatchId : "";
    expect(await pieces.cancel(batchId)).toMatchObject({ Status: "CANCELLED", Counts: { Cancelled: 3 } });
    expect(await pieces.scheduler.waiting(batchId)).toEqual(new Set());
  });

  it("finishes a batch whose chunks were all queued as CANCELLED, and answers undefined for an unknown one", async () => {
    const pieces = db().pieces();
    const created = await pieces.writer.create(newBatch(cvmIds(150)));
    const batchId = created.kind === "created" ? created.summary.BatchId : "";
    expect(await pieces.cancel(batchId)).toMatchObject({
      Status: "CANCELLED",
      FinishedAt: expect.any(String),
      Counts: { Queued: 0, Cancelled: 2 },
    });
    expect(await pieces.queue.getWaitingCount()).toBe(0);
    expect(await pieces.cancel("bat-ffffffffffffffff")).toBeUndefined();
  });
});

/** Ends chunk `index` of the batch with `created` instances in one invoker and the rest failed. */
async function endChunk(
  pieces: ReturnType<ReturnType<typeof db>["pieces"]>,
  batchId: string,
  index: number,
  created: number,
) {
  const chunk = await pieces.reads.chunk(batchId, index);
  if (!chunk) throw new Error(`no chunk ${index}`);
  const ids = chunk.instanceIds;
  const next = {
    ...chunk,
    parts: [],
    invokers: created
      ? [{ invokerId: `ivk-${index}`, instanceIds: ids.slice(0, created), state: "ENABLED" as const }]
      : [],
    failed: ids.slice(created).map((instanceId) => ({ instanceId, code: "X", message: "m" })),
  };
  return pieces.transitions.write(batchId, index, chunk, { ...next, status: finalStatusOf(next) });
}

describe("stopping a batch", () => {
  it("on an error every chunk would meet: the queued chunks' instances fail with it, and the batch ends FAILED", async () => {
    const pieces = db().pieces();
    const created = await pieces.writer.create(newBatch(cvmIds(300)));
    const batchId = created.kind === "created" ? created.summary.BatchId : "";
    await dispatchAll(pieces);
    await endChunk(pieces, batchId, 0, 0);
    await pieces.stop(batchId, {
      kind: "error",
      code: "ResourceNotFound.CommandNotFound",
      message: "no such command",
    });
    const summary = await pieces.reads.summary(batchId);
    expect(summary).toMatchObject({
      Status: "FAILED",
      StopReason: { Code: "ResourceNotFound.CommandNotFound", Message: "no such command" },
      Instances: { Failed: 300, Pending: 0 },
    });
    const failed = await pieces.reads.instancePage(batchId, { offset: 100, limit: 1 });
    expect(failed.items[0]?.Error).toEqual({
      Code: "ResourceNotFound.CommandNotFound",
      Message: expect.stringContaining("Not sent: the batch stopped on ResourceNotFound.CommandNotFound"),
    });
    expect(await pieces.queue.getWaitingCount()).toBe(1);
  });

  it.each([
    ["1", 98, "2 instances failed, more than MaxErrors allows (1)"],
    ["1%", 95, "5 instances failed, more than MaxErrors allows (4)"],
  ])(
    "on MaxErrors %s: the write that passes it stops the batch; the rest is CANCELLED as MaxErrorsExceeded",
    async (maxErrors, created, message) => {
      const pieces = db().pieces();
      const written = await pieces.writer.create({
        ...newBatch(cvmIds(400)),
        request: { ...request, MaxErrors: maxErrors },
      });
      const batchId = written.kind === "created" ? written.summary.BatchId : "";
      expect(await endChunk(pieces, batchId, 0, created + 1)).toMatchObject({
        kind: "ok",
        stoppedNow: false,
      });
      expect(await pieces.reads.summary(batchId)).toMatchObject({ Status: "RUNNING", StopReason: null });
      const chunk = await pieces.reads.chunk(batchId, 0);
      const one = chunk?.invokers[0];
      if (!chunk || !one) throw new Error("no chunk 0 or its invoker");
      // One more instance of chunk 0 fails: past the threshold.
      const next = {
        ...chunk,
        invokers: [{ ...one, instanceIds: one.instanceIds.slice(0, created) }],
        failed: [...chunk.failed, { instanceId: one.instanceIds[created] ?? "", code: "X", message: "m" }],
      };
      expect(
        await pieces.transitions.write(batchId, 0, chunk, { ...next, status: finalStatusOf(next) }),
      ).toMatchObject({
        kind: "ok",
        stoppedNow: true,
      });
      await pieces.sweep(batchId);
      expect(await pieces.reads.summary(batchId)).toMatchObject({
        Status: "FAILED",
        StopReason: { Code: "MaxErrorsExceeded", Message: message },
        Instances: { Succeeded: created, Failed: 100 - created, Cancelled: 300, Pending: 0 },
      });
      const cancelled = await pieces.reads.instancePage(batchId, {
        offset: 0,
        limit: 1,
        status: "CANCELLED",
      });
      expect(cancelled.items[0]?.Error?.Code).toBe("MaxErrorsExceeded");
    },
  );
});

describe("a retry after a stop", () => {
  it("lifts a MaxErrors stop and sends the failed and the held-back instances again", async () => {
    const pieces = db().pieces();
    const written = await pieces.writer.create({
      ...newBatch(cvmIds(200)),
      request: { ...request, MaxErrors: "0" },
    });
    const batchId = written.kind === "created" ? written.summary.BatchId : "";
    expect(await endChunk(pieces, batchId, 0, 99)).toMatchObject({ stoppedNow: true });
    await pieces.sweep(batchId);
    expect(await pieces.reads.summary(batchId)).toMatchObject({
      Status: "FAILED",
      Instances: { Failed: 1, Cancelled: 100 },
    });
    expect(await pieces.retry(batchId)).toEqual({ kind: "requeued", instances: 101, chunks: 2 });
    expect(await pieces.reads.summary(batchId)).toMatchObject({
      Status: "RUNNING",
      StopReason: null,
      Instances: { Succeeded: 99, Failed: 0, Cancelled: 0, Pending: 101 },
    });
  });
});
