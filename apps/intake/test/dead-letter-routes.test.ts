import { DEAD_LETTER_PREFIX } from "@tat-bulk/batches";
import { bullPrefix } from "@tat-bulk/redis";
import { fixture } from "@tat-bulk/test-support/fixture";
import { UnrecoverableError, Worker } from "bullmq";
import { describe, expect, it } from "vitest";
import { as, startCallersIntake } from "./callers-harness.js";

const intake = fixture(() => startCallersIntake());

type Letters = {
  DeadLetters: Array<{ Queue: string; JobId: string; BatchId: string | null; Error: string }>;
};

describe("/v1/admin/dead-letters", () => {
  it("lists the jobs a worker parked and sends one again, for admin only, audited", async () => {
    const h = intake();
    // Parked the way a worker parks one: failed with the dead-letter reason.
    await h.queue.add(
      "chunk",
      { batchId: "bat-00000000000000aa", index: 3 },
      { jobId: "bat-00000000000000aa-3" },
    );
    const connection = h.redis.duplicate({ maxRetriesPerRequest: null });
    const worker = new Worker(
      h.queueName,
      async () => {
        throw new UnrecoverableError(`${DEAD_LETTER_PREFIX}10 errors in a row; the last: corrupt record`);
      },
      { connection, prefix: bullPrefix(h.queueName) },
    );
    await new Promise<void>((resolve) => worker.once("failed", () => resolve()));
    await worker.close();
    connection.disconnect();

    expect((await as(h, "team-a")("GET", "/v1/admin/dead-letters")).status).toBe(403);
    const listed = await as(h, "ops")<Letters>("GET", "/v1/admin/dead-letters");
    expect(listed.status).toBe(200);
    expect(listed.body.DeadLetters).toEqual([
      expect.objectContaining({
        Queue: "chunks",
        JobId: "bat-00000000000000aa-3",
        BatchId: "bat-00000000000000aa",
        Index: 3,
        Error: "10 errors in a row; the last: corrupt record",
      }),
    ]);

    const retry = "/v1/admin/dead-letters/chunks/bat-00000000000000aa-3/retry";
    expect((await as(h, "team-a")("POST", retry)).status).toBe(403);
    expect((await as(h, "ops")("POST", retry)).body).toMatchObject({ Retried: true });
    expect(await h.queue.getJobState("bat-00000000000000aa-3")).toBe("waiting");
    const again = await as(h, "ops")<{ Error: { Code: string } }>("POST", retry);
    expect({ status: again.status, code: again.body.Error.Code }).toEqual({
      status: 404,
      code: "ResourceNotFound.DeadLetter",
    });
    expect((await as(h, "ops")("POST", "/v1/admin/dead-letters/webhooks/x/retry")).status).toBe(400);
    const audit = await as(h, "ops")<{ Entries: Array<{ Action: string; Outcome: string }> }>(
      "GET",
      "/v1/audit?limit=20",
    );
    expect(
      audit.body.Entries.filter((e) => e.Action === "dead-letter-retry").map((e) => e.Outcome),
    ).toContain("ok");
  });
});
