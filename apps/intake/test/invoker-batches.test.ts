import { redisKeys } from "@tat-bulk/batches";
import { fixture } from "@tat-bulk/test-support/fixture";
import { describe, expect, it } from "vitest";
import { API_KEY, cvmIds, startIntake, validBatch } from "./intake-harness.js";

const intake = fixture(startIntake);

async function submit(body: unknown, headers: Record<string, string> = {}) {
  const res = await intake().request("/v1/invoker-batches", { method: "POST", json: body, headers });
  return { res, body: (await res.json()) as Record<string, unknown> };
}

describe("POST /v1/invoker-batches", () => {
  it("accepts a batch, dedupes, chunks by type and hands every chunk to the workers' scheduler", async () => {
    const ids = [...cvmIds(250), "lhins-abcdefgh", ...cvmIds(10), "rins-00000001"];
    const { res, body } = await submit(validBatch(ids));
    expect(res.status).toBe(202);
    expect(body).toMatchObject({ InstanceCount: 252, ChunkCount: 5, DuplicatesRemoved: 10 });
    expect(res.headers.get("location")).toBe(`/v1/invoker-batches/${body.BatchId}`);
    expect(body.StatusUrl).toBe(res.headers.get("location"));
    const keys = redisKeys(intake().queueName);
    expect(await intake().redis.lrange(keys.schedPending(String(body.BatchId)), 0, -1)).toEqual([
      "0",
      "1",
      "2",
      "3",
      "4",
    ]);
    expect(await intake().redis.lrange(keys.schedInbox, 0, -1)).toContain(body.BatchId);
  });

  it("shows the batch with its chunks, paginated and filterable, and the request's fields", async () => {
    const { body: accepted } = await submit({
      ...validBatch([...cvmIds(250), "lhins-abcdefgh"]),
      Tags: [{ Key: "team", Value: "sre" }],
    });
    const res = await intake().request(`/v1/invoker-batches/${accepted.BatchId}?chunkOffset=1&chunkLimit=2`);
    expect(res.status).toBe(200);
    const status = (await res.json()) as Record<string, unknown>;
    expect(status).toMatchObject({
      BatchId: accepted.BatchId,
      Status: "QUEUED",
      InstanceCount: 251,
      ChunkCount: 4,
      Counts: { Queued: 4, Running: 0, Succeeded: 0, Failed: 0, Cancelled: 0 },
      Name: "patch-fleet",
      CommandId: "cmd-m7uma92n",
      Region: "ap-guangzhou",
      Tags: [{ Key: "team", Value: "sre" }],
      FinishedAt: null,
      ChunkTotal: 4,
    });
    expect(status.InstanceIds).toBeUndefined();
    const chunks = status.Chunks as Array<Record<string, unknown>>;
    expect(chunks.map((c) => c.Index)).toEqual([1, 2]);
    expect(chunks[0]).toMatchObject({
      InstanceType: "CVM",
      Status: "QUEUED",
      Attempts: 0,
      InvokerId: null,
      Error: null,
    });
    expect(chunks[0]).toMatchObject({ InstanceIds: cvmIds(250).slice(100, 200) });
    expect(chunks[1]).toMatchObject({ InstanceType: "CVM", InstanceIds: cvmIds(250).slice(200) });
    expect(typeof status.EstimatedCompletionAt).toBe("string");

    const filtered = await intake().request(`/v1/invoker-batches/${accepted.BatchId}?status=SUCCEEDED`);
    expect(((await filtered.json()) as { Chunks: unknown[] }).Chunks).toEqual([]);
    const bad = await intake().request(`/v1/invoker-batches/${accepted.BatchId}?chunkLimit=1001`);
    expect(bad.status).toBe(400);
  });

  it("answers 404 ResourceNotFound for an unknown batch", async () => {
    for (const id of ["bat-0000000000000000", "nope"]) {
      const res = await intake().request(`/v1/invoker-batches/${id}`);
      expect(res.status).toBe(404);
      expect(((await res.json()) as { Error: { Code: string } }).Error.Code).toBe("ResourceNotFound");
    }
  });

  it("lists batches newest first, paginated", async () => {
    const first = await submit(validBatch(cvmIds(1, 900)));
    const second = await submit(validBatch(cvmIds(1, 901)));
    const res = await intake().request("/v1/invoker-batches?limit=2");
    const list = (await res.json()) as { TotalCount: number; Batches: Array<{ BatchId: string }> };
    expect(list.Batches.map((b) => b.BatchId)).toEqual([second.body.BatchId, first.body.BatchId]);
    expect(list.TotalCount).toBeGreaterThanOrEqual(2);
    const next = await intake().request("/v1/invoker-batches?limit=1&offset=1");
    expect(((await next.json()) as typeof list).Batches[0]?.BatchId).toBe(first.body.BatchId);
  });

  it("replays the same Idempotency-Key and body, and refuses it with another body", async () => {
    const key = `idem-${Date.now()}`;
    const a = await submit(validBatch(cvmIds(150)), { "idempotency-key": key });
    const inbox = redisKeys(intake().queueName).schedInbox;
    const inboxBefore = await intake().redis.llen(inbox);
    const b = await submit(validBatch(cvmIds(150)), { "idempotency-key": key });
    expect(a.res.status).toBe(202);
    expect(b.res.status).toBe(202);
    expect(b.body.BatchId).toBe(a.body.BatchId);
    expect(b.res.headers.get("idempotent-replayed")).toBe("true");
    expect(await intake().redis.llen(inbox)).toBe(inboxBefore);
    const c = await submit(validBatch(cvmIds(151)), { "idempotency-key": key });
    expect(c.res.status).toBe(409);
    expect((c.body.Error as { Code: string }).Code).toBe("InvalidParameter.IdempotencyKeyReused");
  });

  it("answers 409 IdempotencyKeyInProgress with Retry-After while the first request is still written", async () => {
    const key = `idem-busy-${Date.now()}`;
    const first = await submit(validBatch(), { "idempotency-key": key });
    // As if the first request were still between writing its jobs and committing.
    await intake().redis.hset(
      redisKeys(intake().queueName).batch(String(first.body.BatchId)),
      "status",
      "STAGING",
    );
    const { res, body } = await submit(validBatch(), { "idempotency-key": key });
    expect(res.status).toBe(409);
    expect(res.headers.get("retry-after")).toBe("1");
    expect((body.Error as { Code: string }).Code).toBe("FailedOperation.IdempotencyKeyInProgress");
  });

  it("estimates completion at the rate the workers published", async () => {
    const { body } = await submit(validBatch(cvmIds(1000, 7000)));
    const eta = async () => {
      const status = await (
        await intake().request(`/v1/invoker-batches/${body.BatchId}?chunkLimit=0`)
      ).json();
      return (
        (Date.parse((status as { EstimatedCompletionAt: string }).EstimatedCompletionAt) - Date.now()) / 1000
      );
    };
    const keys = redisKeys(intake().queueName);
    let backlog = 0;
    for (const id of await intake().redis.zrange(keys.unfinished, 0, -1)) {
      backlog += await intake().redis.llen(keys.schedPending(id));
    }
    expect(backlog).toBeGreaterThan(10);
    await intake().redis.hset(redisKeys(intake().queueName).publishedRates, "CreateInvoker", "2");
    expect(await eta()).toBeGreaterThan(backlog / 2 - 2);
    await intake().redis.hset(redisKeys(intake().queueName).publishedRates, "CreateInvoker", "1000");
    expect(await eta()).toBeLessThan(2);
  });

  it("answers validation errors with TAT's code, the error shape and a RequestId", async () => {
    const { res, body } = await submit({ ...validBatch(), CommandId: "cmd-x" });
    expect(res.status).toBe(400);
    expect(body).toEqual({
      Error: { Code: "InvalidParameterValue.InvalidCommandId", Message: expect.any(String) },
      RequestId: res.headers.get("x-request-id"),
    });
  });

  it("uses the batch's Region when given", async () => {
    const { body } = await submit({ ...validBatch(), Region: "ap-singapore" });
    const status = await (await intake().request(`/v1/invoker-batches/${body.BatchId}`)).json();
    expect(status).toMatchObject({ Region: "ap-singapore" });
  });
});

describe("DELETE /v1/invoker-batches/{id}", () => {
  it("cancels every queued chunk, removes its jobs and ends CANCELLED", async () => {
    const { body } = await submit(validBatch(cvmIds(300)));
    const res = await intake().request(`/v1/invoker-batches/${body.BatchId}`, { method: "DELETE" });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      Status: "CANCELLED",
      Counts: { Queued: 0, Running: 0, Cancelled: 3 },
      FinishedAt: expect.any(String),
    });
    const jobs = await intake().queue.getJobs(["waiting", "delayed"]);
    expect(jobs.filter((j) => j.data.batchId === body.BatchId)).toEqual([]);
    const chunks = await intake().request(`/v1/invoker-batches/${body.BatchId}?status=CANCELLED`);
    expect(((await chunks.json()) as { ChunkTotal: number }).ChunkTotal).toBe(3);
  });

  it("answers 404 for an unknown batch", async () => {
    const res = await intake().request("/v1/invoker-batches/bat-ffffffffffffffff", { method: "DELETE" });
    expect(res.status).toBe(404);
  });
});

describe("auth", () => {
  const routes: Array<[string, string]> = [
    ["POST", "/v1/invoker-batches"],
    ["GET", "/v1/invoker-batches"],
    ["GET", "/v1/invoker-batches/bat-0000000000000000"],
    ["DELETE", "/v1/invoker-batches/bat-0000000000000000"],
    ["GET", "/v1/anything"],
  ];
  it.each(routes)("%s %s needs a valid bearer key", async (method, path) => {
    for (const key of [null, "wrong-key-0123456789abcdef", `${API_KEY}x`, ""]) {
      const res = await intake().request(path, {
        method,
        key,
        json: method === "POST" ? validBatch() : undefined,
      });
      expect(res.status).toBe(401);
      expect(((await res.json()) as { Error: { Code: string } }).Error.Code).toBe("AuthFailure");
    }
  });
  it("accepts every configured key", async () => {
    const res = await intake().request("/v1/invoker-batches", { key: "second-key-0123456789abcdef" });
    expect(res.status).toBe(200);
  });
  it.each(["/healthz", "/readyz", "/metrics", "/openapi.json"])("%s is open", async (path) => {
    const res = await intake().request(path, { key: null });
    expect(res.status).toBe(200);
  });
});

describe("GET /openapi.json", () => {
  it("documents the request schema generated from the validating schema", async () => {
    const doc = (await (await intake().request("/openapi.json")).json()) as {
      openapi: string;
      components: {
        schemas: {
          InvokerBatchRequest: {
            required: string[];
            properties: Record<string, { pattern?: string; items?: { pattern?: string }; maxItems?: number }>;
            additionalProperties: boolean;
          };
        };
      };
    };
    expect(doc.openapi).toBe("3.1.0");
    const schema = doc.components.schemas.InvokerBatchRequest;
    expect(schema.required.sort()).toEqual(["CommandId", "InstanceIds", "Name", "ScheduleSettings", "Type"]);
    expect(schema.properties.CommandId?.pattern).toBe("^cmd-[a-z0-9]{8}$");
    expect(schema.properties.InstanceIds?.maxItems).toBe(100000);
    expect(schema.properties.InstanceIds?.items?.pattern).toBe("^(?:ins|lhins|rins)-[a-z0-9]{8}$");
    expect(schema.additionalProperties).toBe(false);
  });
});
