import { fixture } from "@tat-bulk/test-support/fixture";
import { describe, expect, it } from "vitest";
import { type ChunkRecord, finalStatusOf } from "../src/chunk-record.js";
import { ChunkTransitions } from "../src/chunk-transitions.js";
import { cvmIds, newBatch, startBatchesRedis } from "./batches-harness.js";

const db = fixture(startBatchesRedis);

async function batchOf(chunks: number) {
  const pieces = db().pieces();
  const created = await pieces.writer.create(newBatch(cvmIds(chunks * 100)));
  if (created.kind !== "created") throw new Error(created.kind);
  const batchId = created.summary.BatchId;
  const read = async (index: number): Promise<ChunkRecord> => {
    const chunk = await pieces.reads.chunk(batchId, index);
    if (!chunk) throw new Error(`no chunk ${index}`);
    return chunk;
  };
  /** Moves chunk `index` to `status` from what is stored now. */
  const move = async (index: number, status: ChunkRecord["status"], options = {}) => {
    const from = await read(index);
    return pieces.transitions.write(batchId, index, from, { ...from, status }, options);
  };
  /** Ends chunk `index` with every instance in one invoker, or every instance failed, or cancelled. */
  const end = async (index: number, outcome: "created" | "failed" | "cancelled") => {
    const from = await read(index);
    const ids = from.instanceIds;
    const next: ChunkRecord = {
      ...from,
      parts: [],
      invokers:
        outcome === "created" ? [{ invokerId: `ivk-${index}`, instanceIds: ids, state: "ENABLED" }] : [],
      failed: outcome === "failed" ? ids.map((instanceId) => ({ instanceId, code: "X", message: "m" })) : [],
      cancelled: outcome === "cancelled" ? { instanceIds: ids, code: "Cancelled", message: "m" } : undefined,
    };
    return pieces.transitions.write(batchId, index, from, { ...next, status: finalStatusOf(next) });
  };
  return { ...pieces, batchId, read, move, end };
}

describe("ChunkTransitions", () => {
  it("moves the counters, starts the batch on the first RUNNING, and bumps the version", async () => {
    const b = await batchOf(2);
    const result = await b.move(0, "RUNNING");
    expect(result).toMatchObject({ kind: "ok", record: { status: "RUNNING", version: 1 } });
    expect(await b.reads.summary(b.batchId)).toMatchObject({
      Status: "RUNNING",
      StartedAt: expect.any(String),
      Counts: { Queued: 1, Running: 1 },
    });
    expect((await b.read(0)).version).toBe(1);
  });

  it("refuses a write made from a stale read, and changes nothing", async () => {
    const b = await batchOf(1);
    const stale = await b.read(0);
    await b.move(0, "RUNNING");
    expect(await b.transitions.write(b.batchId, 0, stale, { ...stale, status: "SUCCEEDED" })).toEqual({
      kind: "conflict",
    });
    expect(await b.reads.summary(b.batchId)).toMatchObject({ Counts: { Running: 1, Succeeded: 0 } });
  });

  it("never takes a record of the same version for the one its holder wrote (a write Redis lost)", async () => {
    const b = await batchOf(1);
    const queued = await b.read(0);
    const raw = await db().redis.hget(b.keys.chunks(b.batchId), "0");
    const counters = await db().redis.hgetall(b.keys.batch(b.batchId));
    // Writer A marks the chunk RUNNING; then Redis loses that write (its record and counters go back).
    const a = await b.transitions.write(b.batchId, 0, queued, { ...queued, status: "RUNNING" });
    if (a.kind !== "ok" || raw === null) throw new Error("setup");
    await db().redis.hset(b.keys.chunks(b.batchId), "0", raw);
    await db().redis.hset(b.keys.batch(b.batchId), counters);
    // Writer B, from what is stored, makes its own version 1 (the chunk stays QUEUED).
    expect(await b.transitions.write(b.batchId, 0, queued, { ...queued, attempts: 1 })).toMatchObject({
      kind: "ok",
    });
    // A's next write names its version 1: not B's, so refused, and the counters stay right.
    const late = await b.transitions.write(b.batchId, 0, a.record, { ...a.record, status: "SUCCEEDED" });
    expect(late).toEqual({ kind: "conflict" });
    expect(await b.reads.summary(b.batchId)).toMatchObject({
      Counts: { Queued: 1, Running: 0, Succeeded: 0 },
    });
  });

  it("knows its own write when Redis ran it twice (the first answer lost to a reconnect)", async () => {
    const b = await batchOf(1);
    const from = await b.read(0);
    // Every apply-chunk call runs twice, and the caller hears the second answer only.
    const replaying = new Proxy(db().redis, {
      get(target, property) {
        const value = Reflect.get(target, property, target);
        if (property === "tatBulkApplyChunk" && typeof value === "function") {
          return async (...args: unknown[]) => {
            await Reflect.apply(value, target, args);
            return Reflect.apply(value, target, args);
          };
        }
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    const transitions = new ChunkTransitions(replaying, b.keys);
    const result = await transitions.write(b.batchId, 0, from, { ...from, status: "RUNNING" });
    expect(result).toMatchObject({ kind: "ok", replayed: true, record: { status: "RUNNING", version: 1 } });
    expect(await b.reads.summary(b.batchId)).toMatchObject({ Counts: { Queued: 0, Running: 1 } });
  });

  it("answers missing for an unknown chunk, and stopped once cancel was asked when told to check", async () => {
    const b = await batchOf(1);
    const chunk = await b.read(0);
    expect(await b.transitions.write(b.batchId, 5, chunk, chunk)).toEqual({ kind: "missing" });
    await db().redis.hset(b.keys.batch(b.batchId), "cancelRequested", "1");
    expect(await b.move(0, "RUNNING", { abortIfStopping: true })).toEqual({ kind: "stopped" });
    expect((await b.move(0, "RUNNING")).kind).toBe("ok");
  });

  it.each([
    [["created", "created"], "SUCCEEDED"],
    [["failed", "failed"], "FAILED"],
    [["created", "failed"], "PARTIALLY_FAILED"],
    [["created", "cancelled"], "PARTIALLY_FAILED"],
  ] as const)("settles %j by its instances as %s, once, on the last chunk", async (finals, expected) => {
    const b = await batchOf(2);
    const first = await b.end(0, finals[0]);
    expect(first.kind === "ok" && first.finished).toBeUndefined();
    const last = await b.end(1, finals[1]);
    expect(last).toMatchObject({
      kind: "ok",
      finished: { status: expected, createdAtMs: expect.any(Number) },
    });
    expect(await b.reads.summary(b.batchId)).toMatchObject({
      Status: expected,
      FinishedAt: expect.any(String),
    });
  });

  it("settles CANCELLED when cancel was asked, whatever the chunks' outcomes", async () => {
    const b = await batchOf(1);
    await db().redis.hset(b.keys.batch(b.batchId), "cancelRequested", "1");
    expect(await b.end(0, "created")).toMatchObject({ finished: { status: "CANCELLED" } });
  });
});
