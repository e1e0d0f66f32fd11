import { writeFileSync } from "node:fs";
import {
  cvmIds,
  intakeCaller,
  type ProcessStack,
  sampleBatch,
  startProcessStack,
} from "@tat-bulk/test-support";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KEYS, securityCallersFile } from "./security-harness.js";

const LEGACY = "legacy-env-key-0123456789abcdef";
let stack: ProcessStack;
let callers: string;
beforeAll(async () => {
  callers = securityCallersFile();
  stack = await startProcessStack({
    name: "security-scopes",
    intakeEnv: {
      INTAKE_CALLERS_FILE: callers,
      INTAKE_API_KEYS: LEGACY,
      INTAKE_DEFAULT_MAX_INSTANCES_IN_FLIGHT: "300",
    },
    workerEnv: false,
  });
});
afterAll(() => stack.close());

const as = (key: string) => intakeCaller(stack.intake.ready, key);
let offset = 0;
const batch = (n: number, extra: Record<string, unknown> = {}) => {
  offset += n;
  return { ...sampleBatch(cvmIds(n, offset)), ...extra };
};
const codeOf = async (key: string, method: string, path: string, body?: unknown) => {
  const answer = await as(key).call<{ Error?: { Code: string; Message: string } }>(method, path, body);
  return { status: answer.status, code: answer.body.Error?.Code, message: answer.body.Error?.Message ?? "" };
};

describe("scopes and allow-lists, attacked", () => {
  it("refuses a batch that carries tat-bulk's own chunk tag", async () => {
    const tags = [{ Key: "tat-bulk-chunk", Value: "bat-0123456789abcdef/0" }];
    expect(
      await codeOf(KEYS.ordinary, "POST", "/v1/invoker-batches", batch(2, { Tags: tags })),
    ).toMatchObject({
      status: 400,
      code: "InvalidParameterValue.TagKeyReserved",
    });
  });

  it("keeps the invokers of a cancel asking to delete them from a caller without invokers:write, and says so", async () => {
    const { BatchId } = await as(KEYS.limited).post<{ BatchId: string }>("/v1/invoker-batches", batch(100));
    const answer = await as(KEYS.limited).call<Record<string, unknown>>(
      "DELETE",
      `/v1/invoker-batches/${BatchId}?invokers=delete`,
    );
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({
      CancelInvokers: "keep",
      CancelInvokersReason: expect.stringContaining("invokers:write"),
      InvokerAction: null,
    });
    // The same request from a caller that holds invokers:write deletes them.
    const own = await as(KEYS.ordinary).post<{ BatchId: string }>("/v1/invoker-batches", batch(100));
    const deleting = await as(KEYS.ordinary).call<Record<string, unknown>>(
      "DELETE",
      `/v1/invoker-batches/${own.BatchId}?invokers=delete`,
    );
    expect(deleting.body).toMatchObject({ CancelInvokers: "delete", InvokerAction: { Target: "DELETED" } });
  });

  it("gives an INTAKE_API_KEYS key neither HIGH nor an unlimited share: 403 for HIGH, 429 past its default quota", async () => {
    expect(
      await codeOf(LEGACY, "POST", "/v1/invoker-batches", batch(10, { Priority: "HIGH" })),
    ).toMatchObject({
      status: 403,
      code: "UnauthorizedOperation",
    });
    expect((await as(LEGACY).call("POST", "/v1/invoker-batches", batch(200))).status).toBe(202);
    expect(await codeOf(LEGACY, "POST", "/v1/invoker-batches", batch(200))).toMatchObject({
      status: 429,
      code: "LimitExceeded.CallerQuota",
    });
  });

  it("lets a caller whose allow-lists were left out submit nothing", async () => {
    expect(await codeOf(KEYS.narrow, "POST", "/v1/invoker-batches", batch(2))).toMatchObject({
      status: 403,
      code: "UnauthorizedOperation.CommandNotAllowed",
    });
  });

  it("answers an unknown Account without naming the accounts the workers hold", async () => {
    const refused = await codeOf(
      KEYS.ordinary,
      "POST",
      "/v1/invoker-batches",
      batch(2, { Account: "acct-guess" }),
    );
    expect(refused).toMatchObject({ status: 400, code: "InvalidParameterValue.Account" });
    expect(refused.message).not.toMatch(/default/);
  });

  it("checks retry and enable against the caller's allow-lists as they are now, not as they were at submit", async () => {
    const { BatchId } = await as(KEYS.ordinary).post<{ BatchId: string }>("/v1/invoker-batches", batch(2));
    // The operator narrows "ordinary" to other commands; another intake reads the new file.
    const narrowed = callers.replace(/\.json$/, "-narrowed.json");
    const entries = JSON.parse((await import("node:fs")).readFileSync(callers, "utf8")) as Array<
      Record<string, unknown>
    >;
    writeFileSync(
      narrowed,
      JSON.stringify(
        entries.map((e) => (e.Name === "ordinary" ? { ...e, AllowedCommandIds: ["cmd-zz*"] } : e)),
      ),
    );
    const later = await stack.startIntake({ QUEUE_NAME: "security-scopes", INTAKE_CALLERS_FILE: narrowed });
    const there = intakeCaller(later.ready, KEYS.ordinary);
    for (const action of ["retry", "enable"]) {
      const answer = await there.call<{ Error: { Code: string } }>(
        "POST",
        `/v1/invoker-batches/${BatchId}/${action}`,
      );
      expect([action, answer.status, answer.body.Error?.Code]).toEqual([
        action,
        403,
        "UnauthorizedOperation.CommandNotAllowed",
      ]);
    }
    // Disabling runs nothing: still allowed.
    expect((await there.call("POST", `/v1/invoker-batches/${BatchId}/disable`)).status).toBe(202);
  });
});
