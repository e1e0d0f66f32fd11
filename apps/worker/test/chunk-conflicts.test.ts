import { type ChunkRecord, newChunkRecord } from "@tat-bulk/batches";
import { describe, expect, it } from "vitest";
import { afterConflict } from "../src/chunk-recorder.js";

const ids = ["ins-00000001", "ins-00000002"];
const before: ChunkRecord = {
  ...newChunkRecord("CVM", ids),
  version: 4,
  status: "RUNNING",
  invokers: [{ invokerId: "ivk-old", instanceIds: ["ins-00000001"], state: "ENABLED" }],
};
const next: ChunkRecord = {
  ...before,
  status: "SUCCEEDED",
  parts: [],
  invokers: [...before.invokers, { invokerId: "ivk-new", instanceIds: ["ins-00000002"], state: "ENABLED" }],
};

describe("afterConflict: a chunk write that lost its compare-and-set", () => {
  it("is written again over an invoker action's write, keeping the states it set", () => {
    const disabled = {
      ...before,
      version: 5,
      invokers: [{ ...before.invokers[0], state: "DISABLED" as const }],
    };
    const retry = afterConflict(before, next, disabled as ChunkRecord);
    expect(retry).toMatchObject({ from: { version: 5 } });
    expect(retry?.to.invokers.map((v) => v.state)).toEqual(["DISABLED", "ENABLED"]);
  });

  it("leaves the chunk to the winner of any other write", () => {
    expect(afterConflict(before, next, { ...before, version: 5, status: "CANCELLED" })).toBeUndefined();
    expect(afterConflict(before, next, { ...next, version: 5 })).toBeUndefined();
  });
});
