import { fixture } from "@tat-bulk/test-support/fixture";
import { describe, expect, it } from "vitest";
import type { InstanceStatus } from "../src/batch-types.js";
import { instanceViews } from "../src/chunk-view.js";
import { countsField, indexEntry, planPage } from "../src/instance-index.js";
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

  it("pages instances from the chunks' outcome counts, as a scan of every chunk would, and scans when a count is stale", async () => {
    const { writer, reads, transitions, keys } = db().pieces();
    const created = await writer.create(newBatch(cvmIds(450, 20_000)));
    const batchId = created.kind === "created" ? created.summary.BatchId : "";
    // Chunk 1 half succeeded, half failed; chunk 3 failed; the rest pending.
    for (const [index, half] of [
      [1, 50],
      [3, 0],
    ] as const) {
      const chunk = await reads.chunk(batchId, index);
      if (!chunk) throw new Error(`no chunk ${index}`);
      const ids = chunk.instanceIds;
      await transitions.write(batchId, index, chunk, {
        ...chunk,
        status: half ? "PARTIALLY_FAILED" : "FAILED",
        parts: [],
        invokers: half
          ? [{ invokerId: "ivk-aaaaaaaa", instanceIds: ids.slice(0, half), state: "ENABLED" }]
          : [],
        failed: ids.slice(half).map((instanceId) => ({ instanceId, code: "X", message: "m" })),
      });
    }
    // The counts and status beside each record are the record's own, from the intake's write and the workers'.
    for (const [index, chunk] of await reads.allChunks(batchId)) {
      const stored = await db().redis.hget(keys.chunks(batchId), countsField(index));
      expect([index, stored]).toEqual([index, indexEntry(chunk)]);
    }
    const all = [...(await reads.allChunks(batchId))]
      .sort(([a], [b]) => a - b)
      .flatMap(([, chunk]) => instanceViews(chunk));
    const expected = (status: InstanceStatus | undefined, offset: number, limit: number) => {
      const matching = all.filter((v) => status === undefined || v.Status === status);
      return { total: matching.length, items: matching.slice(offset, offset + limit) };
    };
    const queries: Array<[InstanceStatus | undefined, number, number]> = [
      [undefined, 0, 100],
      [undefined, 140, 30],
      [undefined, 430, 100],
      ["FAILED", 0, 10],
      ["FAILED", 45, 20],
      ["FAILED", 149, 5],
      ["SUCCEEDED", 10, 100],
      ["PENDING", 90, 20],
      ["CANCELLED", 0, 10],
    ];
    for (const [status, offset, limit] of queries) {
      const query = { offset, limit, ...(status ? { status } : {}) };
      expect(await reads.instancePage(batchId, query)).toEqual(expected(status, offset, limit));
    }
    // A count that does not match its record (a write from before the counts): the page still holds.
    await db().redis.hset(keys.chunks(batchId), countsField(3), "100,0,0,0");
    expect(await reads.instancePage(batchId, { offset: 0, limit: 200, status: "FAILED" })).toEqual(
      expected("FAILED", 0, 200),
    );
    expect(
      planPage([{ SUCCEEDED: 0, FAILED: 2, CANCELLED: 0, PENDING: 3 }], { offset: 1, limit: 1 }),
    ).toEqual({
      total: 5,
      chunks: [0],
      skip: 1,
    });
  });

  it("pages chunks of one status from the index, decoding only the chunks it shows", async () => {
    const { writer, reads, transitions, keys } = db().pieces();
    const created = await writer.create(newBatch(cvmIds(1000, 30_000)));
    const batchId = created.kind === "created" ? created.summary.BatchId : "";
    for (const index of [2, 5, 7, 8]) {
      const chunk = await reads.chunk(batchId, index);
      if (!chunk) throw new Error(`no chunk ${index}`);
      await transitions.write(batchId, index, chunk, {
        ...chunk,
        status: "FAILED",
        error: { Code: "X", Message: "m" },
      });
    }
    const failedPage = (offset: number, limit: number) =>
      reads.chunkPage(batchId, { offset, limit, status: "FAILED" }).then((page) => ({
        total: page.total,
        indexes: page.items.map((c) => c.Index),
      }));
    // A record that cannot be decoded, and that no page of FAILED chunks shows: a scan would throw on it.
    const zero = await db().redis.hget(keys.chunks(batchId), "0");
    await db().redis.hset(keys.chunks(batchId), "0", "not a chunk record");
    expect(await failedPage(0, 10)).toEqual({ total: 4, indexes: [2, 5, 7, 8] });
    expect(await failedPage(1, 2)).toEqual({ total: 4, indexes: [5, 7] });
    expect(await failedPage(4, 2)).toEqual({ total: 4, indexes: [] });
    await expect(reads.chunkPage(batchId, { offset: 0, limit: 10, status: "QUEUED" })).rejects.toThrow();
    await db().redis.hset(keys.chunks(batchId), "0", zero ?? "");
    // An entry from before statuses were indexed, or one its record no longer matches: a scan, as right.
    await db().redis.hset(keys.chunks(batchId), countsField(9), "100,0,0,0");
    expect(await failedPage(0, 10)).toEqual({ total: 4, indexes: [2, 5, 7, 8] });
    await db().redis.hset(keys.chunks(batchId), countsField(9), "0,0,0,100,FAILED");
    expect(await failedPage(0, 10)).toEqual({ total: 4, indexes: [2, 5, 7, 8] });
  });
});
