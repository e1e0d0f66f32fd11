import { newChunkRecord, newPart } from "@tat-bulk/batches";
import { describe, expect, it } from "vitest";
import { settled, withFailure } from "../src/chunk-parts.js";
import { failureVerdicts } from "../src/failure-verdicts.js";

describe("pending failures", () => {
  it("are given back when a circuit opened after them, confirmed when TAT answered since, else undecided", async () => {
    // A circuit of the endpoint + account opened at 100; TAT last answered at 300 (after it closed).
    const tat = { lastEvents: async () => ({ openedAt: 100, answeredAt: 300 }) };
    const verdicts = await failureVerdicts(tat, [
      { action: "CreateInvoker", at: 50 },
      { action: "DescribeInvokers", at: 100 },
      { action: "CreateInvoker", at: 150 },
      { action: "DescribeAutomationAgentStatus", at: 350 },
    ]);
    expect(verdicts).toEqual(["refund", "refund", "confirm", "undecided"]);
  });

  it("count as attempts at once, and a refund gives them back (the chunk's Attempts counts CreateInvoker's)", () => {
    let chunk = { ...newChunkRecord("CVM", ["ins-00000001"]), parts: [newPart("", ["ins-00000001"])] };
    chunk = withFailure(chunk, "CreateInvoker", 10, { mayExist: true });
    chunk = withFailure(chunk, "DescribeInvokers", 20);
    chunk = withFailure(chunk, "CreateInvoker", 30);
    expect(chunk.attempts).toBe(2);
    expect(chunk.parts[0]).toMatchObject({ attempts: 3, mayExist: true });
    const next = settled(chunk, ["refund", "confirm", "undecided"]);
    expect(next.attempts).toBe(1);
    expect(next.parts[0]).toMatchObject({
      attempts: 2,
      pendingFailures: [{ action: "CreateInvoker", at: 30 }],
    });
    expect(settled(next, ["confirm"]).parts[0]).not.toHaveProperty("pendingFailures");
  });
});
