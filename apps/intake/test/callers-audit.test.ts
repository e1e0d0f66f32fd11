import { type AuditEntry, sha256Hex } from "@tat-bulk/callers";
import { fixture } from "@tat-bulk/test-support/fixture";
import { describe, expect, it } from "vitest";
import { as, KEYS, startCallersIntake, submitAs } from "./callers-harness.js";
import { openApiValidator } from "./openapi-conformance.js";

// Counted entries (reads, refused keys) are written once their second is over.
const intake = fixture(() => startCallersIntake({ AUDIT_COUNT_WINDOW_MS: "1000" }));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const audit = async (query: string) =>
  (await as(intake(), "ops")<{ Entries: AuditEntry[] }>("GET", `/v1/audit?${query}`)).body.Entries;

describe("the audit trail", () => {
  it("records every mutating request before it acts, and how it ended: who, what, which batch, from where", async () => {
    const h = intake();
    const batchId = await submitAs(h, "team-a");
    const requestIds: string[] = [];
    for (const [method, path] of [
      ["POST", "retry"],
      ["POST", "disable"],
      ["POST", "enable"],
      ["POST", "delete-invokers"],
    ] as const) {
      const answer = await as(h, "team-a")(method, `/v1/invoker-batches/${batchId}/${path}`);
      requestIds.push(answer.headers.get("x-request-id") ?? "");
    }
    await as(h, "team-b")("DELETE", `/v1/invoker-batches/${batchId}`);
    await as(h, "team-a")("DELETE", `/v1/invoker-batches/${batchId}?invokers=delete`);
    // Reads are counted: one entry per kind and window (windows start on whole seconds here, so
    // both reads go in one when they start early in one).
    await sleep(1000 - (Date.now() % 1000));
    await as(h, "team-a")("GET", `/v1/invoker-batches/${batchId}`);
    await as(h, "team-a")("GET", `/v1/invoker-batches/${batchId}`);
    await sleep(2500);

    const entries = await audit(`batchId=${batchId}`);
    expect(entries.map((e) => [e.Action, e.Caller, e.Outcome, e.Status, e.Code, e.Count])).toEqual([
      ["read", "team-a", "ok", 200, null, 2],
      ["cancel", "team-a", "ok", 200, null, 1],
      ["cancel", "team-a", "started", null, null, 1],
      ["cancel", "team-b", "refused", 404, "ResourceNotFound", 1],
      ["cancel", "team-b", "started", null, null, 1],
      ["delete-invokers", "team-a", "ok", 202, null, 1],
      ["delete-invokers", "team-a", "started", null, null, 1],
      ["enable", "team-a", "ok", 202, null, 1],
      ["enable", "team-a", "started", null, null, 1],
      ["disable", "team-a", "ok", 202, null, 1],
      ["disable", "team-a", "started", null, null, 1],
      ["retry", "team-a", "ok", 202, null, 1],
      ["retry", "team-a", "started", null, null, 1],
      ["submit", "team-a", "ok", 202, null, 1],
    ]);
    // An intent and its outcome share the request's ID; the intent names what matters.
    expect(
      entries
        .slice(5, 13)
        .filter((e) => e.Outcome === "ok")
        .map((e) => e.RequestId)
        .reverse(),
    ).toEqual(requestIds);
    expect(entries[2]?.Details).toEqual({ Invokers: "delete", Applied: "delete" });
    // A submit's intent comes before its batch has an ID: it shares the outcome's RequestId.
    const submitted = entries.at(-1);
    const intent = (await audit("caller=team-a&limit=1000")).find(
      (e) => e.RequestId === submitted?.RequestId && e.Outcome === "started",
    );
    expect(intent).toMatchObject({ Action: "submit", BatchId: null });
    expect(intent?.Details).toMatchObject({ CommandId: "cmd-m7uma92n", Instances: 2, IdempotencyKey: false });
    for (const entry of entries) {
      expect(entry.Source).toMatch(/127\.0\.0\.1/);
      expect(Date.parse(entry.Time)).toBeGreaterThan(Date.now() - 60_000);
    }
    const validate = await openApiValidator(h.baseUrl);
    validate("AuditPage", await (await h.request("/v1/audit?limit=3", { key: KEYS.ops })).json());
  });

  it("counts refused authentications per source and window, and records submissions refused for scope", async () => {
    const h = intake();
    const wrongKey = "wrong-key-0123456789abcdef";
    await h.request("/v1/invoker-batches", { key: wrongKey });
    await h.request("/v1/invoker-batches", { key: wrongKey });
    await h.request("/v1/invoker-batches", { key: null });
    await as(h, "nobody")("POST", "/v1/invoker-batches", {});
    await sleep(2500);
    const [refused] = await audit("caller=unauthenticated");
    expect(refused).toMatchObject({
      Action: "authenticate",
      Outcome: "refused",
      Status: 401,
      Code: "AuthFailure",
      Count: 3,
      RequestId: null,
      Since: expect.stringMatching(/^\d{4}-/),
    });
    expect(JSON.stringify(await audit("limit=1000"))).not.toContain(sha256Hex(wrongKey).slice(0, 8));
    expect((await audit("caller=nobody"))[0]).toMatchObject({
      Action: "submit",
      Outcome: "refused",
      Status: 403,
      Code: "UnauthorizedOperation",
    });
    const metrics = await (await fetch(`${h.baseUrl}/metrics`)).text();
    expect(metrics).toMatch(/tat_bulk_auth_failures_total\{reason="unknown-key"\} [1-9]/);
    expect(metrics).toMatch(/tat_bulk_auth_failures_total\{reason="missing-key"\} [1-9]/);
    expect(metrics).toMatch(/tat_bulk_batches_total\{outcome="accepted",caller="team-a"\} [1-9]/);
  });

  it("changes nothing when a submit's intent cannot be written", async () => {
    const h = intake();
    const auditKey = `tat-bulk:{${h.queueName}}:audit`;
    const saved = await h.redis.dumpBuffer(auditKey);
    // A key of the wrong type: every XADD to it fails, while the batch writes would not.
    await h.redis.del(auditKey);
    await h.redis.set(auditKey, "not a stream");
    try {
      const before = (await h.keys()).length;
      const answer = await as(h, "team-a")("POST", "/v1/invoker-batches", {
        Name: "unaudited",
        Type: "SCHEDULE",
        CommandId: "cmd-m7uma92n",
        InstanceIds: ["ins-aaaaaaaa", "ins-bbbbbbbb"],
        ScheduleSettings: { Policy: "RECURRENCE", Recurrence: "0 0 1 * *" },
      });
      expect(answer.status).toBeGreaterThanOrEqual(500);
      expect((await h.keys()).length).toBe(before);
    } finally {
      await h.redis.del(auditKey);
      if (saved) await h.redis.restore(auditKey, 0, saved);
    }
  });

  it("answers a batch ID that is not valid percent-encoding in TAT's shape, and records it", async () => {
    const h = intake();
    for (const [method, path] of [
      ["GET", "/v1/invoker-batches/%E0"],
      ["DELETE", "/v1/invoker-batches/%E0%80?invokers=delete"],
      ["POST", "/v1/invoker-batches/%ZZ/retry"],
    ] as const) {
      const answer = await fetch(`${h.baseUrl}${path}`, {
        method,
        headers: { authorization: `Bearer ${KEYS["team-a"]}` },
      });
      expect(answer.status).toBe(400);
      expect(answer.headers.get("content-type")).toMatch(/^application\/json/);
      expect(await answer.json()).toMatchObject({ Error: { Code: "InvalidParameter" } });
    }
    const entries = await audit("caller=team-a&limit=1000");
    expect(entries.find((e) => e.Action === "cancel" && e.Status === 400)).toMatchObject({
      BatchId: "%E0%80",
    });
    expect(entries.find((e) => e.Action === "retry" && e.Status === 400)).toMatchObject({ BatchId: "%ZZ" });
  });

  it("filters by time and limits its page; holds no key", async () => {
    const since = new Date().toISOString();
    await new Promise((resolve) => setTimeout(resolve, 5));
    await submitAs(intake(), "team-b");
    await submitAs(intake(), "team-b");
    const page = await audit(`since=${since}&limit=1`);
    expect(page).toHaveLength(1);
    expect(page[0]).toMatchObject({ Action: "submit", Caller: "team-b" });
    const everything = JSON.stringify(await audit("limit=1000"));
    for (const key of Object.values(KEYS)) expect(everything).not.toContain(key);
    expect((await as(intake(), "ops")("GET", "/v1/audit?since=yesterday")).status).toBe(400);
  });
});
