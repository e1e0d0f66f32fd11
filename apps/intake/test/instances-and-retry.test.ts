import { openBatches, redisKeys } from "@tat-bulk/batches";
import { fixture } from "@tat-bulk/test-support/fixture";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { cvmIds, startIntake, validBatch } from "./intake-harness.js";
import { openApiValidator } from "./openapi-conformance.js";

const intake = fixture(startIntake);

/** A batch of two chunks: chunk 0 ended with 98 instances in two invokers and 2 offline; chunk 1 waits. */
async function partlyDoneBatch() {
  const res = await intake().request("/v1/invoker-batches", {
    method: "POST",
    json: validBatch(cvmIds(150, 700)),
  });
  const { BatchId } = (await res.json()) as { BatchId: string };
  const store = openBatches(intake().redis, intake().queueName, { log: pino({ level: "silent" }) });
  const chunk = await store.reads.chunk(BatchId, 0);
  if (!chunk) throw new Error("no chunk 0");
  const ids = chunk.instanceIds;
  await store.transitions.write(BatchId, 0, chunk, {
    ...chunk,
    status: "PARTIALLY_FAILED",
    parts: [],
    invokers: [
      { invokerId: "ivk-aaaaaaaa", instanceIds: ids.slice(0, 50), state: "ENABLED" },
      { invokerId: "ivk-bbbbbbbb", instanceIds: ids.slice(50, 98), state: "ENABLED" },
    ],
    failed: ids.slice(98).map((instanceId) => ({
      instanceId,
      code: "ResourceUnavailable.AgentStatusNotOnline",
      message: "offline",
    })),
  });
  await store.close();
  return { batchId: BatchId, ids };
}

const get = async (path: string) => {
  const res = await intake().request(path);
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
};

describe("per-instance outcomes in the API", () => {
  it("shows instance counts, each chunk's invokers and failed instances, and pages the instances by status", async () => {
    const check = await openApiValidator(intake().baseUrl);
    const { batchId, ids } = await partlyDoneBatch();
    const status = await get(`/v1/invoker-batches/${batchId}?chunkLimit=1`);
    check("Batch", status.body);
    expect(status.body).toMatchObject({
      Status: "RUNNING",
      Counts: { PartiallyFailed: 1, Queued: 1 },
      Instances: { Succeeded: 98, Failed: 2, Pending: 50, Cancelled: 0 },
      Chunks: [
        {
          InvokerId: "ivk-aaaaaaaa",
          Invokers: [
            { InvokerId: "ivk-aaaaaaaa", InstanceIds: ids.slice(0, 50) },
            { InvokerId: "ivk-bbbbbbbb", InstanceIds: ids.slice(50, 98) },
          ],
          FailedInstances: ids
            .slice(98)
            .map((id) => ({ InstanceId: id, Code: "ResourceUnavailable.AgentStatusNotOnline" })),
        },
      ],
    });
    const failed = await get(`/v1/invoker-batches/${batchId}/instances?status=FAILED`);
    check("InstancePage", failed.body);
    expect(failed.body).toMatchObject({
      TotalCount: 2,
      Instances: ids.slice(98).map((id) => ({
        InstanceId: id,
        Status: "FAILED",
        InvokerId: null,
        Error: { Code: "ResourceUnavailable.AgentStatusNotOnline" },
      })),
    });
    const page = await get(`/v1/invoker-batches/${batchId}/instances?offset=49&limit=2`);
    expect(page.body).toMatchObject({
      TotalCount: 150,
      Instances: [
        { InstanceId: ids[49], Status: "SUCCEEDED", InvokerId: "ivk-aaaaaaaa" },
        { InstanceId: ids[50], Status: "SUCCEEDED", InvokerId: "ivk-bbbbbbbb" },
      ],
    });
    expect(
      (await get(`/v1/invoker-batches/${batchId}/instances?status=PENDING&limit=10000`)).body.TotalCount,
    ).toBe(50);
    expect((await get(`/v1/invoker-batches/${batchId}/instances?limit=10001`)).status).toBe(400);
    expect((await get(`/v1/invoker-batches/${batchId}/instances?status=DONE`)).status).toBe(400);
    expect((await get("/v1/invoker-batches/bat-ffffffffffffffff/instances")).status).toBe(404);
  });

  it("retries the failed instances: 202 with how many went back, then none on a second call", async () => {
    const check = await openApiValidator(intake().baseUrl);
    const { batchId } = await partlyDoneBatch();
    const retry = () => intake().request(`/v1/invoker-batches/${batchId}/retry`, { method: "POST" });
    const first = await retry();
    expect(first.status).toBe(202);
    const body = await first.json();
    check("RetryAccepted", body);
    expect(body).toMatchObject({ BatchId: batchId, InstancesRequeued: 2, ChunksRequeued: 1 });
    expect(await (await retry()).json()).toMatchObject({ InstancesRequeued: 0 });
    expect((await get(`/v1/invoker-batches/${batchId}`)).body).toMatchObject({
      Instances: { Failed: 0, Pending: 52 },
    });
    // Round 1 of chunk 0 waits for the workers' scheduler.
    const pending = redisKeys(intake().queueName).schedPending(batchId);
    expect(await intake().redis.lrange(pending, 0, -1)).toContain("0:1");
  });

  it("answers 404 for an unknown batch and 409 for a cancelled one", async () => {
    const missing = await intake().request("/v1/invoker-batches/bat-ffffffffffffffff/retry", {
      method: "POST",
    });
    expect(missing.status).toBe(404);
    const { batchId } = await partlyDoneBatch();
    const cancelled = await intake().request(`/v1/invoker-batches/${batchId}`, { method: "DELETE" });
    check(await openApiValidator(intake().baseUrl), await cancelled.json());
    const refused = await intake().request(`/v1/invoker-batches/${batchId}/retry`, { method: "POST" });
    expect(refused.status).toBe(409);
    expect(((await refused.json()) as { Error: { Code: string } }).Error.Code).toBe(
      "FailedOperation.BatchCancelled",
    );
  });
});

function check(validate: (schema: string, body: unknown) => void, body: unknown) {
  validate("Cancelled", body);
}
