import { fixture } from "@tat-bulk/test-support/fixture";
import { describe, expect, it } from "vitest";
import { cvmIds, newBatch, startBatchesRedis } from "./batches-harness.js";

const db = fixture(startBatchesRedis);

describe("BatchReads", () => {
  it("pages chunks, filters them by status, and lists batches newest first", async () => {
    const { writer, reads, transitions } = db().pieces();
    const first = await writer.create(newBatch(cvmIds(10, 5000)));
    const created = await writer.create(newBatch(cvmIds(450)));
    const batchId = created.kind === "created" ? created.summary.BatchId : "";
    const page = await reads.chunkPage(batchId, { offset: 1, limit: 2 });
    expect(page.total).toBe(5);
    expect(page.items.map((c) => [c.Index, c.InstanceIds.length, c.Status])).toEqual([
      [1, 100, "QUEUED"],
      [2, 100, "QUEUED"],
    ]);
    expect((await reads.chunkPage(batchId, { offset: 4, limit: 5 })).items.map((c) => c.Index)).toEqual([4]);
    const three = await reads.chunk(batchId, 3);
    if (!three) throw new Error("no chunk 3");
    await transitions.write(batchId, 3, three, {
      ...three,
      status: "FAILED",
      error: { Code: "X", Message: "m" },
    });
    const failed = await reads.chunkPage(batchId, { offset: 0, limit: 10, status: "FAILED" });
    expect(failed).toMatchObject({ total: 1, items: [{ Index: 3, Error: { Code: "X" } }] });
    const list = await reads.list(0, 10);
    expect(list.total).toBe(2);
    expect(list.items.map((b) => b.BatchId)).toEqual([
      batchId,
      first.kind === "created" ? first.summary.BatchId : "",
    ]);
    expect(await reads.forWorker(batchId)).toMatchObject({ status: "RUNNING", stop: undefined });
    expect(await reads.summary("bat-ffffffffffffffff")).toBeUndefined();
  });
});
