import { describe, expect, it } from "vitest";
import { CHUNK_STATUSES } from "../src/batch-types.js";
import { chunkStamp, decodeChunk, encodeChunk } from "../src/chunk-codec.js";
import { type ChunkRecord, finalStatusOf, newChunkRecord, newPart } from "../src/chunk-record.js";
import { CHUNK_COUNTER_FIELDS, counterDeltas } from "../src/chunk-tally.js";
import { instanceViews } from "../src/chunk-view.js";

const ids = ["lhins-aaaaaaaa", "lhins-bbbbbbbb", "lhins-cccccccc", "lhins-dddddddd"];
const split: ChunkRecord = {
  ...newChunkRecord("LIGHTHOUSE", ids),
  version: 7,
  status: "RUNNING",
  attempts: 3,
  error: { Code: "InternalError", Message: "m", RequestId: "r" },
  parts: [
    newPart("1", ["lhins-dddddddd"], {
      checked: true,
      rechecked: true,
      mayExist: true,
      attempts: 1,
      firstSentAt: 5,
      sentAt: 7,
      pendingFailures: [
        { action: "CreateInvoker", at: 6 },
        { action: "DescribeInvokers", at: 8 },
      ],
    }),
  ],
  invokers: [
    { invokerId: "ivk-aaaaaaaa", instanceIds: ["lhins-aaaaaaaa", "lhins-bbbbbbbb"], state: "ENABLED" },
  ],
  failed: [
    { instanceId: "lhins-cccccccc", code: "ResourceUnavailable.AgentStatusNotOnline", message: "offline" },
  ],
  round: 1,
};

describe("chunk codec", () => {
  it("round-trips every field, and stores the version first for the scripts", () => {
    const stored = encodeChunk(split);
    expect(stored.startsWith("7|{")).toBe(true);
    expect(decodeChunk(stored)).toEqual(split);
    const fresh = newChunkRecord("CVM", ["ins-00000001"]);
    expect(decodeChunk(encodeChunk(fresh))).toEqual(fresh);
    const done: ChunkRecord = {
      ...fresh,
      parts: [],
      invokers: [{ invokerId: "ivk-b", instanceIds: fresh.instanceIds, state: "DISABLED" }],
      failed: [{ instanceId: "x", code: "c", message: "m", uncertainPart: "0.1" }],
      cancelled: { instanceIds: ["y"], code: "Cancelled", message: "m" },
      doneAt: 9,
    };
    expect(decodeChunk(encodeChunk(done))).toEqual(done);
  });

  it("stores the write ID as the JSON's first field, where the scripts read it; a record without one has an empty one", () => {
    const written = { ...split, writeId: "0a1b2c3d4e5f" };
    expect(encodeChunk(written).startsWith('7|{"w":"0a1b2c3d4e5f",')).toBe(true);
    expect(decodeChunk(encodeChunk(written))).toEqual(written);
    expect(chunkStamp(written)).toBe("7.0a1b2c3d4e5f");
    expect(chunkStamp(split)).toBe("7.");
  });

  it("stores the whole chunk's instances once in the common case", () => {
    const fresh = newChunkRecord("CVM", ids);
    const created = {
      ...fresh,
      parts: [],
      invokers: [{ invokerId: "ivk-1", instanceIds: ids, state: "ENABLED" as const }],
    };
    expect(encodeChunk(created).split("lhins-aaaaaaaa")).toHaveLength(2);
  });

  it("refuses text that is not a stored chunk", () => {
    expect(() => decodeChunk('{"t":"CVM"}')).toThrow("not a stored chunk");
  });
});

describe("chunk outcomes", () => {
  it("names each instance's outcome, and moves counters by the difference of two records", () => {
    expect(
      instanceViews(split).map((v) => [v.InstanceId, v.Status, v.InvokerId, v.Error?.Code ?? null]),
    ).toEqual([
      ["lhins-aaaaaaaa", "SUCCEEDED", "ivk-aaaaaaaa", null],
      ["lhins-bbbbbbbb", "SUCCEEDED", "ivk-aaaaaaaa", null],
      ["lhins-cccccccc", "FAILED", null, "ResourceUnavailable.AgentStatusNotOnline"],
      ["lhins-dddddddd", "PENDING", null, null],
    ]);
    const fresh = newChunkRecord("LIGHTHOUSE", ids);
    expect(JSON.parse(counterDeltas(fresh, split))).toEqual({
      queued: -1,
      running: 1,
      instancesSucceeded: 2,
      instancesFailed: 1,
      "failedCode:ResourceUnavailable.AgentStatusNotOnline": 1,
      invokersEnabled: 1,
    });
  });

  it("ends a chunk SUCCEEDED, PARTIALLY_FAILED, FAILED or CANCELLED by its instances", () => {
    const none = { ...split, parts: [], invokers: [], failed: [] };
    expect(finalStatusOf({ ...split, parts: [] })).toBe("PARTIALLY_FAILED");
    expect(finalStatusOf({ ...split, parts: [], failed: [] })).toBe("SUCCEEDED");
    expect(finalStatusOf({ ...split, parts: [], invokers: [] })).toBe("FAILED");
    expect(
      finalStatusOf({ ...none, cancelled: { instanceIds: ["x"], code: "Cancelled", message: "" } }),
    ).toBe("CANCELLED");
  });

  it("names a distinct counter field for every chunk status", () => {
    const fields = CHUNK_STATUSES.map((status) => CHUNK_COUNTER_FIELDS[status]);
    expect(new Set(fields).size).toBe(CHUNK_STATUSES.length);
  });
});
