import { fixture } from "@tat-bulk/test-support/fixture";
import { describe, expect, it } from "vitest";
import type { ChunkSink } from "../src/batch-writer.js";
import { cvmIds, namespaceKeys, newBatch, startBatchesRedis } from "./batches-harness.js";

const db = fixture(startBatchesRedis);

/** A sink whose call number `failing` (from 1) fails (and, if asked, every discard). */
function failingCall(failing: number, options: { discardFails?: boolean } = {}) {
  let calls = 0;
  return (real: ChunkSink): ChunkSink => ({
    stage: (batchId, refs) =>
      ++calls === failing ? Promise.reject(new Error("injected failure")) : real.stage(batchId, refs),
    discard: (batchId) =>
      options.discardFails ? Promise.reject(new Error("discard failed")) : real.discard(batchId),
  });
}

describe("BatchWriter", () => {
  it("writes the batch record, one chunk record and one waiting chunk each, in the scheduler's inbox at once", async () => {
    const { writer, reads, queue, scheduler } = db().pieces();
    const result = await writer.create(newBatch([...cvmIds(250), "lhins-abcdefgh"]));
    if (result.kind !== "created") throw new Error(result.kind);
    expect(result.summary).toMatchObject({ Status: "QUEUED", InstanceCount: 251, ChunkCount: 4 });
    expect(await reads.summary(result.summary.BatchId)).toMatchObject({ Counts: { Queued: 4, Running: 0 } });
    expect([...(await scheduler.waiting(result.summary.BatchId))]).toEqual(["0", "1", "2", "3"]);
    expect(await scheduler.inbox()).toEqual([result.summary.BatchId]);
    // The queue gets a chunk only when the workers' scheduler picks it.
    expect(await queue.getWaitingCount()).toBe(0);
    const chunk = await reads.chunk(result.summary.BatchId, 3);
    expect(chunk).toMatchObject({ instanceType: "LIGHTHOUSE", status: "QUEUED", version: 0, attempts: 0 });
    expect((await reads.list(0, 10)).items.map((b) => b.BatchId)).toEqual([result.summary.BatchId]);
  });

  it("writes what belongs with the commit in its transaction, and keeps the batch when that part fails", async () => {
    const { writer, reads, name } = db().pieces();
    const redis = db().redis;
    const noted = `tat-bulk:{${name}}:noted`;
    const created = await writer.create(newBatch(cvmIds(10)), {
      inCommit: (multi, batchId) => multi.rpush(noted, batchId),
    });
    if (created.kind !== "created") throw new Error(created.kind);
    expect(created.alsoCommitted).toBe(true);
    expect(await redis.lrange(noted, 0, -1)).toEqual([created.summary.BatchId]);

    // A key of the wrong type: the extra write fails inside the transaction, the batch stands.
    const wrong = `tat-bulk:{${name}}:wrong`;
    await redis.set(wrong, "not a list");
    const kept = await writer.create(newBatch(cvmIds(10, 100)), {
      inCommit: (multi, batchId) => multi.rpush(wrong, batchId),
    });
    if (kept.kind !== "created") throw new Error(kept.kind);
    expect(kept.alsoCommitted).toBe(false);
    expect(await reads.summary(kept.summary.BatchId)).toMatchObject({ Status: "QUEUED", InstanceCount: 10 });

    // A batch that fails before its commit writes none of it.
    const failing = db().pieces({ sink: failingCall(1) });
    const none = `tat-bulk:{${failing.name}}:noted`;
    await expect(
      failing.writer.create(newBatch(cvmIds(10)), {
        inCommit: (multi, batchId) => multi.rpush(none, batchId),
      }),
    ).rejects.toThrow("injected failure");
    expect(await redis.exists(none)).toBe(0);
  });

  it("leaves no batch, chunk, waiting chunk or idempotency key when it fails after some were written", async () => {
    const pieces = db().pieces({ sink: failingCall(3), slice: 50 });
    const before = await namespaceKeys(db().redis, pieces.name);
    await expect(
      pieces.writer.create(newBatch(cvmIds(20_000), { key: "k1", fingerprint: "f" })),
    ).rejects.toThrow("injected failure");
    expect(await namespaceKeys(db().redis, pieces.name)).toEqual(before);
    expect((await pieces.reads.list(0, 10)).items).toEqual([]);
    // The key is free again: the same request goes through.
    const retried = await pieces.writer.create(newBatch(cvmIds(100), { key: "k1", fingerprint: "f" }));
    expect(retried.kind).toBe("created");
  });

  it("logs a rollback that fails, and still answers the write's own error", async () => {
    const logged: Array<{ details: object; message: string }> = [];
    const { writer } = db().pieces({
      sink: failingCall(1, { discardFails: true }),
      log: { error: (details, message) => logged.push({ details, message }) },
    });
    await expect(writer.create(newBatch(cvmIds(10)))).rejects.toThrow("injected failure");
    expect(logged).toHaveLength(1);
    expect(logged[0]?.message).toMatch(/rollback .* failed/);
    expect(logged[0]?.details).toMatchObject({ err: expect.objectContaining({ message: "discard failed" }) });
  });
});

describe("Idempotency-Key", () => {
  it("replays the same key and body, and refuses another body", async () => {
    const { writer, scheduler } = db().pieces();
    const first = await writer.create(newBatch(cvmIds(150), { key: "a", fingerprint: "body-1" }));
    const again = await writer.create(newBatch(cvmIds(150), { key: "a", fingerprint: "body-1" }));
    expect(again.kind).toBe("replayed");
    expect(first.kind === "created" && again.kind === "replayed" && again.summary.BatchId).toBe(
      first.kind === "created" && first.summary.BatchId,
    );
    expect(await scheduler.inbox()).toHaveLength(1);
    expect((await writer.create(newBatch(cvmIds(1), { key: "a", fingerprint: "body-2" }))).kind).toBe(
      "idempotency-conflict",
    );
  });

  it("answers in-progress while the first request's batch is still being written", async () => {
    const { writer, keys } = db().pieces();
    await db().redis.set(keys.idempotency("b"), "body-1 bat-00000000000000aa");
    await db().redis.hset(keys.batch("bat-00000000000000aa"), { status: "STAGING", request: "{}" });
    expect((await writer.create(newBatch(cvmIds(1), { key: "b", fingerprint: "body-1" }))).kind).toBe(
      "idempotency-in-progress",
    );
  });

  it("takes over a key whose first request died before writing anything, once its claim ran out", async () => {
    const { writer, keys } = db().pieces();
    await db().redis.set(keys.idempotency("c"), `body-1 bat-00000000000000bb ${Date.now() - 1}`);
    const result = await writer.create(newBatch(cvmIds(1), { key: "c", fingerprint: "body-1" }));
    expect(result.kind).toBe("created");
    const id = result.kind === "created" ? result.summary.BatchId : "";
    expect(await db().redis.get(keys.idempotency("c"))).toMatch(new RegExp(`^body-1 ${id} \\d+$`));
  });

  it("never takes over a key within its claimer's deadline, though its batch has no record yet", async () => {
    const { writer, keys } = db().pieces();
    // The first request reserved the key and has not written its STAGING record yet.
    await db().redis.set(keys.idempotency("d"), `body-1 bat-00000000000000dd ${Date.now() + 60_000}`);
    expect((await writer.create(newBatch(cvmIds(1), { key: "d", fingerprint: "body-1" }))).kind).toBe(
      "idempotency-in-progress",
    );
  });

  it("gives two requests racing with one key one batch between them", async () => {
    const pieces = db().pieces();
    const results = await Promise.all(
      Array.from({ length: 8 }, () =>
        pieces.writer.create(newBatch(cvmIds(500), { key: "e", fingerprint: "body-1" })),
      ),
    );
    const created = results.filter((r) => r.kind === "created");
    expect(created).toHaveLength(1);
    expect(results.every((r) => ["created", "replayed", "idempotency-in-progress"].includes(r.kind))).toBe(
      true,
    );
    expect(await pieces.scheduler.inbox()).toHaveLength(1);
  });
});
