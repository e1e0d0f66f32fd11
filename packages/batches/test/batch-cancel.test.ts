import { fixture } from "@tat-bulk/test-support/fixture";
import { describe, expect, it } from "vitest";
import { chunkJobId } from "../src/chunk-queue.js";
import { cvmIds, newBatch, startBatchesRedis } from "./batches-harness.js";

const db = fixture(startBatchesRedis);

describe("cancelBatch", () => {
  it("removes the queued jobs, cancels those chunks, and leaves running and ambiguous ones to their workers", async () => {
    const pieces = db().pieces();
    const { writer, reads, queue, transitions } = pieces;
    const created = await writer.create(newBatch(cvmIds(400)));
    const batchId = created.kind === "created" ? created.summary.BatchId : "";
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
