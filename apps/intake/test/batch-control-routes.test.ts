import { fixture } from "@tat-bulk/test-support/fixture";
import { describe, expect, it } from "vitest";
import { cvmIds, startIntake, validBatch } from "./intake-harness.js";
import { openApiValidator } from "./openapi-conformance.js";

const intake = fixture(() =>
  startIntake({ env: { WEBHOOK_ALLOWED_HOSTS: "hooks.example.com,127.0.0.1:9000" } }),
);
const off = fixture(() => startIntake());

const submit = async (h: ReturnType<typeof intake>, body: unknown) => {
  const res = await h.request("/v1/invoker-batches", { method: "POST", json: body });
  return {
    status: res.status,
    body: (await res.json()) as { BatchId?: string; Error?: { Code: string; Message: string } },
  };
};

describe("CallbackUrl", () => {
  it("takes an allowed host, and refuses any other before anything is enqueued", async () => {
    const h = intake();
    expect((await submit(h, { ...validBatch(), CallbackUrl: "https://hooks.example.com/tat" })).status).toBe(
      202,
    );
    expect((await submit(h, { ...validBatch(), CallbackUrl: "http://127.0.0.1:9000/x" })).status).toBe(202);
    const jobs = await h.queue.count();
    for (const url of ["https://evil.example.com/", "http://127.0.0.1:9001/x", "ftp://hooks.example.com/"]) {
      const refused = await submit(h, { ...validBatch(), CallbackUrl: url });
      expect(refused).toMatchObject({ status: 400, body: { Error: { Code: "InvalidParameterValue" } } });
    }
    expect(await h.queue.count()).toBe(jobs);
  });

  it("is refused while webhooks are off", async () => {
    const refused = await submit(off(), { ...validBatch(), CallbackUrl: "https://hooks.example.com/tat" });
    expect(refused.status).toBe(400);
    expect(refused.body.Error?.Message).toContain("webhooks are off");
  });
});

describe("MaxErrors", () => {
  it.each(["101%", "-1", "abc"])("refuses %s", async (maxErrors) => {
    expect((await submit(intake(), { ...validBatch(), MaxErrors: maxErrors })).body.Error?.Code).toBe(
      "InvalidParameterValue",
    );
  });

  it("takes a count or a percentage and shows it with the batch", async () => {
    const { body } = await submit(intake(), { ...validBatch(cvmIds(10)), MaxErrors: "1%" });
    const status = await (await intake().request(`/v1/invoker-batches/${body.BatchId}`)).json();
    expect(status).toMatchObject({
      MaxErrors: "1%",
      StopReason: null,
      Invokers: { Enabled: 0 },
      InvokerAction: null,
    });
  });
});

describe("invoker actions and cancel modes", () => {
  it.each([
    ["disable", "DISABLED"],
    ["enable", "ENABLED"],
    ["delete-invokers", "DELETED"],
  ])("POST …/%s answers 202 and shows the action in the status", async (path, target) => {
    const check = await openApiValidator(intake().baseUrl);
    const { body } = await submit(intake(), validBatch(cvmIds(10)));
    const res = await intake().request(`/v1/invoker-batches/${body.BatchId}/${path}`, { method: "POST" });
    expect(res.status).toBe(202);
    const accepted = await res.json();
    check("InvokerActionAccepted", accepted);
    expect(accepted).toMatchObject({ BatchId: body.BatchId, Target: target, ChunksQueued: 0 });
    const status = await (await intake().request(`/v1/invoker-batches/${body.BatchId}`)).json();
    check("Batch", status);
    expect(status).toMatchObject({ InvokerAction: { Target: target, Pending: 0 } });
    const missing = await intake().request(`/v1/invoker-batches/bat-ffffffffffffffff/${path}`, {
      method: "POST",
    });
    expect(missing.status).toBe(404);
  });

  it("cancels with ?invokers=keep|delete|disable, and refuses another mode", async () => {
    for (const mode of ["keep", "delete", "disable"]) {
      const { body } = await submit(intake(), validBatch(cvmIds(10)));
      const res = await intake().request(`/v1/invoker-batches/${body.BatchId}?invokers=${mode}`, {
        method: "DELETE",
      });
      expect(await res.json()).toMatchObject({ Status: "CANCELLED" });
    }
    const { body } = await submit(intake(), validBatch(cvmIds(10)));
    const bad = await intake().request(`/v1/invoker-batches/${body.BatchId}?invokers=burn`, {
      method: "DELETE",
    });
    expect(bad.status).toBe(400);
  });
});
