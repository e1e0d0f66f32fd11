import { describe, expect, it } from "vitest";
import { CHUNK_STATUSES } from "../src/batch-types.js";
import {
  CHUNK_COUNTER_FIELDS,
  type ChunkRecord,
  decodeChunk,
  encodeChunk,
  newChunkRecord,
} from "../src/chunk-record.js";

describe("chunk codec", () => {
  it("round-trips every field, and stores the version first for the scripts", () => {
    const record: ChunkRecord = {
      version: 7,
      instanceType: "LIGHTHOUSE",
      instanceIds: ["lhins-abcdefgh"],
      status: "FAILED",
      attempts: 3,
      invokerId: "ivk-abcdefgh",
      error: { Code: "InternalError", Message: "m", RequestId: "r" },
      mayExist: true,
      firstSentAt: 1,
      doneAt: 2,
    };
    const stored = encodeChunk(record);
    expect(stored.startsWith("7|{")).toBe(true);
    expect(decodeChunk(stored)).toEqual(record);
    const fresh = newChunkRecord("CVM", ["ins-00000001"]);
    expect(decodeChunk(encodeChunk(fresh))).toEqual(fresh);
  });

  it("refuses text that is not a stored chunk", () => {
    expect(() => decodeChunk('{"t":"CVM"}')).toThrow("not a stored chunk");
  });

  it("names a distinct counter field for every chunk status", () => {
    const fields = CHUNK_STATUSES.map((status) => CHUNK_COUNTER_FIELDS[status]);
    expect(new Set(fields).size).toBe(CHUNK_STATUSES.length);
  });
});
