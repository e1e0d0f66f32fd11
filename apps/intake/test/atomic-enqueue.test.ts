import { BatchStore } from "@tat-bulk/batches";
import { chunkInstances } from "@tat-bulk/tat-api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cvmIds, type IntakeHarness, startIntake } from "./intake-harness.js";

let intake: IntakeHarness;
/** The intake's store with small job slices, so that a failure can fall between two of them. */
let store: BatchStore;
beforeAll(async () => {
  intake = await startIntake();
  store = new BatchStore(intake.redis, intake.queueName, 50);
});
afterAll(async () => {
  await store.close();
  await intake.close();
});

const request = {
  Name: "n",
  Type: "SCHEDULE" as const,
  CommandId: "cmd-m7uma92n",
  ScheduleSettings: { Policy: "RECURRENCE" as const, Recurrence: "0 0 1 * *" },
  Region: "ap-guangzhou",
};

describe("atomic enqueue", () => {
  it("leaves no batch, chunk or job behind when it fails after the record and some jobs were written", async () => {
    const { chunks, uniqueCount } = chunkInstances(cvmIds(120_000).slice(0, 100_000), 100);
    const before = await intake.keys();
    let written = 0;
    await expect(
      store.createBatch(
        {
          request,
          chunks,
          instanceCount: uniqueCount,
          duplicatesRemoved: 0,
          idempotency: { key: "k1", fingerprint: "f" },
        },
        {
          afterJobSlice: async (n) => {
            if (written > 0) return;
            written = n;
            // Prove the half-written state exists before the failure is injected.
            expect(await intake.queue.getJobCountByTypes("waiting")).toBeGreaterThanOrEqual(n);
            throw new Error("injected failure");
          },
        },
      ),
    ).rejects.toThrow("injected failure");
    expect(written).toBeGreaterThan(0);
    expect(written).toBeLessThan(chunks.length);
    expect(await intake.keys()).toEqual(before);
    expect(await intake.queue.getJobCountByTypes("waiting", "delayed", "prioritized")).toBe(0);
    expect((await intake.store.listBatches(0, 10)).items).toEqual([]);
  });

  it("succeeds with the same idempotency key once the failed attempt rolled back", async () => {
    const { chunks, uniqueCount } = chunkInstances(cvmIds(300), 100);
    const result = await store.createBatch({
      request,
      chunks,
      instanceCount: uniqueCount,
      duplicatesRemoved: 0,
      idempotency: { key: "k1", fingerprint: "f" },
    });
    expect(result.kind).toBe("created");
    expect(await intake.queue.getJobCountByTypes("waiting")).toBe(3);
  });
});
