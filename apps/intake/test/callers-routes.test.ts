import { fixture } from "@tat-bulk/test-support/fixture";
import { describe, expect, it } from "vitest";
import { as, type CallerName, KEYS, startCallersIntake, submitAs } from "./callers-harness.js";
import { validBatch } from "./intake-harness.js";

const intake = fixture(() => startCallersIntake());

/** Every route on one batch, as its owner, another caller, admin, and a caller without the scope. */
const ROUTES: Array<[string, string, (id: string) => string, number]> = [
  ["read", "GET", (id) => `/v1/invoker-batches/${id}`, 200],
  ["read its instances", "GET", (id) => `/v1/invoker-batches/${id}/instances`, 200],
  ["retry", "POST", (id) => `/v1/invoker-batches/${id}/retry`, 202],
  ["disable its invokers", "POST", (id) => `/v1/invoker-batches/${id}/disable`, 202],
  ["enable its invokers", "POST", (id) => `/v1/invoker-batches/${id}/enable`, 202],
  ["delete its invokers", "POST", (id) => `/v1/invoker-batches/${id}/delete-invokers`, 202],
  ["cancel", "DELETE", (id) => `/v1/invoker-batches/${id}`, 200],
];
const WHO: Array<[CallerName, "ok" | 404 | 403]> = [
  ["team-a", "ok"],
  ["team-b", 404],
  ["ops", "ok"],
  ["nobody", 403],
];

describe("ownership: a batch is its submitter's (and admin's)", () => {
  describe.each(ROUTES)("%s", (_what, method, path, ok) => {
    it.each(WHO)("as %s", async (caller, expected) => {
      const h = intake();
      const batchId = await submitAs(h, "team-a");
      const answer = await as(h, caller)<{ Error?: { Code: string; Message: string } }>(
        method,
        path(batchId),
      );
      if (expected === "ok") {
        expect(answer.status).toBe(ok);
        return;
      }
      expect(answer.status).toBe(expected);
      const code = expected === 404 ? "ResourceNotFound" : "UnauthorizedOperation";
      expect(answer.body.Error?.Code).toBe(code);
      // Another caller's batch is as unknown as a missing one: the same answer, word for word.
      if (expected === 404) {
        const missing = await as(h, caller)<{ Error?: { Message: string } }>(
          method,
          path("bat-0000000000000000"),
        );
        expect(answer.body.Error?.Message.replace(batchId, "X")).toBe(
          missing.body.Error?.Message.replace("bat-0000000000000000", "X"),
        );
      }
    });
  });

  it("shows its Caller, and lists only the caller's own batches; admin lists all, or one caller's", async () => {
    const h = intake();
    const mine = await submitAs(h, "team-a");
    const theirs = await submitAs(h, "team-b");
    const ids = async (caller: CallerName, query = "") =>
      (
        await as(h, caller)<{ Batches: Array<{ BatchId: string }> }>(
          "GET",
          `/v1/invoker-batches?limit=100${query}`,
        )
      ).body.Batches.map((b) => b.BatchId);
    expect(await ids("team-a")).toContain(mine);
    expect(await ids("team-a")).not.toContain(theirs);
    expect(await ids("team-b")).not.toContain(mine);
    expect(await ids("ops")).toEqual(expect.arrayContaining([mine, theirs]));
    expect(await ids("ops", "&caller=team-b")).toEqual(expect.arrayContaining([theirs]));
    expect(await ids("ops", "&caller=team-b")).not.toContain(mine);
    // A caller cannot widen its list with ?caller=.
    expect(await ids("team-b", "&caller=team-a")).not.toContain(mine);
    expect((await as(h, "nobody")("GET", "/v1/invoker-batches")).status).toBe(403);
    const status = await as(h, "team-a")<{ Caller: string }>("GET", `/v1/invoker-batches/${mine}`);
    expect(status.body.Caller).toBe("team-a");
  });

  it("submits as any caller with batches:write (admin too), never without it", async () => {
    const h = intake();
    expect((await as(h, "ops")("POST", "/v1/invoker-batches", validBatch(["ins-zzzzzzz1"]))).status).toBe(
      202,
    );
    const refused = await as(h, "nobody")<{ Error: { Code: string } }>(
      "POST",
      "/v1/invoker-batches",
      validBatch(["ins-zzzzzzz2"]),
    );
    expect(refused).toMatchObject({ status: 403, body: { Error: { Code: "UnauthorizedOperation" } } });
  });

  it("keeps Idempotency-Keys per caller: the same key from two callers makes two batches", async () => {
    const h = intake();
    const post = (caller: CallerName) =>
      h
        .request("/v1/invoker-batches", {
          method: "POST",
          key: KEYS[caller],
          headers: { "idempotency-key": "shared-key-1" },
          json: validBatch(["ins-idem0001"]),
        })
        .then(async (res) => ((await res.json()) as { BatchId: string }).BatchId);
    const [a, b, aAgain] = [await post("team-a"), await post("team-b"), await post("team-a")];
    expect(a).not.toBe(b);
    expect(aAgain).toBe(a);
  });

  it("serves the audit trail to admin only", async () => {
    const h = intake();
    expect((await as(h, "ops")("GET", "/v1/audit?limit=5")).status).toBe(200);
    expect((await as(h, "team-a")("GET", "/v1/audit")).status).toBe(403);
  });
});
