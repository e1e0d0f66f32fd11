import { writeFileSync } from "node:fs";
import { redisKeys } from "@tat-bulk/batches";
import { ConfigError } from "@tat-bulk/config";
import { fixture } from "@tat-bulk/test-support/fixture";
import { describe, expect, it } from "vitest";
import { loadIntakeConfig } from "../src/env.js";
import { as, callersFile, KEYS, startCallersIntake, submitAs } from "./callers-harness.js";
import { API_KEY, validBatch } from "./intake-harness.js";

const intake = fixture(() => startCallersIntake());
const slow = fixture(() => startCallersIntake({ INTAKE_CALLER_REQUESTS_PER_SECOND: "5" }));

type Refusal = { Error: { Code: string; Message: string } };

describe("allow-lists (globs), checked before anything is enqueued", () => {
  it.each([
    ["an allowed command in an allowed region", 202, {}, undefined],
    ["the default region (ap-guangzhou, matched by ap-guang?hou)", 202, { Region: undefined }, undefined],
    ["another allowed region", 202, { Region: "ap-shanghai" }, undefined],
    [
      "a command outside cmd-m7*",
      403,
      { CommandId: "cmd-abcdefgh" },
      "UnauthorizedOperation.CommandNotAllowed",
    ],
    ["a region outside the list", 403, { Region: "ap-beijing" }, "UnauthorizedOperation.RegionNotAllowed"],
    ["an account outside the list", 403, { Account: "other" }, "UnauthorizedOperation.AccountNotAllowed"],
    ["an allowed account the workers lack", 400, { Account: "main" }, "InvalidParameterValue.Account"],
    ["an allowed account by name", 202, { Account: "default" }, undefined],
    ["Priority HIGH without priority:high", 403, { Priority: "HIGH" }, "UnauthorizedOperation"],
    ["Priority LOW", 202, { Priority: "LOW" }, undefined],
    ["an unknown Priority", 400, { Priority: "URGENT" }, "InvalidParameterValue"],
  ])("%s → %i", async (what, status, fields, code) => {
    const h = intake();
    const inbox = redisKeys(h.queueName).schedInbox;
    const jobs = await h.redis.llen(inbox);
    const answer = await as(h, "team-a")<Refusal>("POST", "/v1/invoker-batches", {
      ...validBatch([`ins-${what.length.toString().padStart(8, "0")}`]),
      ...fields,
    });
    expect(answer.status).toBe(status);
    if (code) {
      expect(answer.body.Error.Code).toBe(code);
      expect(await h.redis.llen(inbox)).toBe(jobs);
    }
  });

  it("takes the accounts the workers published, and HIGH from a caller holding priority:high", async () => {
    const h = intake();
    await h.redis.hset(redisKeys(h.queueName).publishedAccounts, { default: "20", main: "20" });
    const batch = validBatch(["ins-0000a001"]);
    expect((await as(h, "team-a")("POST", "/v1/invoker-batches", { ...batch, Account: "main" })).status).toBe(
      202,
    );
    expect((await as(h, "ops")("POST", "/v1/invoker-batches", { ...batch, Priority: "HIGH" })).status).toBe(
      202,
    );
  });
});

describe("MaxInstancesInFlight", () => {
  it("takes a batch below and at the quota, refuses one above it with the numbers, and has room again when one ends", async () => {
    const h = intake();
    const first = await submitAs(h, "capped", 200);
    await submitAs(h, "capped", 100);
    const over = await as(h, "capped")<Refusal>("POST", "/v1/invoker-batches", validBatch(["ins-over0001"]));
    expect(over.status).toBe(429);
    expect(over.body.Error).toEqual({
      Code: "LimitExceeded.CallerQuota",
      Message: "capped has 300 unfinished instances; 1 more would pass its MaxInstancesInFlight of 300",
    });
    // Other callers are not held by it.
    await submitAs(h, "team-b", 1);
    // Cancelling (no worker: its chunks end at once) frees its instances.
    expect((await as(h, "capped")("DELETE", `/v1/invoker-batches/${first}`)).status).toBe(200);
    await submitAs(h, "capped", 200);
  });
});

describe("each caller's request rate", () => {
  it("answers 429 RequestLimitExceeded with Retry-After past it, per caller", async () => {
    const h = slow();
    const answers = await Promise.all(
      Array.from({ length: 15 }, () => as(h, "team-a")<Refusal>("GET", "/v1/invoker-batches")),
    );
    const refused = answers.filter((a) => a.status === 429);
    expect(refused.length).toBeGreaterThanOrEqual(5);
    expect(refused[0]?.body.Error.Code).toBe("RequestLimitExceeded");
    expect(Number(refused[0]?.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect((await as(h, "team-b")("GET", "/v1/invoker-batches")).status).toBe(200);
    const metrics = await (await fetch(`${h.baseUrl}/metrics`)).text();
    expect(metrics).toMatch(/tat_bulk_auth_failures_total\{reason="rate-limited"\} [1-9]/);
  });
});

describe("INTAKE_API_KEYS beside a callers file", () => {
  it("keeps each key working as a caller of its own, with every scope but admin", async () => {
    const h = intake();
    const res = await h.request("/v1/invoker-batches", {
      method: "POST",
      json: validBatch(["ins-legacy01"]),
    });
    expect(res.status).toBe(202);
    const { BatchId } = (await res.json()) as { BatchId: string };
    const status = (await (await h.request(`/v1/invoker-batches/${BatchId}`)).json()) as { Caller: string };
    expect(status.Caller).toMatch(/^key-[0-9a-f]{12}$/);
    expect(
      (await h.request(`/v1/invoker-batches/${BatchId}`, { key: "second-key-0123456789abcdef" })).status,
    ).toBe(404);
    expect((await h.request("/v1/audit", { key: API_KEY })).status).toBe(403);
  });
});

describe("startup", () => {
  const env = (file: string, keys = "") => ({ INTAKE_CALLERS_FILE: file, INTAKE_API_KEYS: keys });

  it("stops on a malformed callers file, naming the entry and the field", () => {
    const file = callersFile();
    writeFileSync(
      file,
      `- Name: good\n  KeySha256: ${"a".repeat(64)}\n  Scopes: [admin]\n- Name: bad\n  KeySha256: nope\n  Scopes: []\n`,
    );
    expect(() => loadIntakeConfig(env(file))).toThrow(ConfigError);
    expect(() => loadIntakeConfig(env(file))).toThrow(
      /INTAKE_CALLERS_FILE: .*callers\.yaml: entry 2 \("bad"\): KeySha256/,
    );
    expect(() => loadIntakeConfig(env("/nonexistent/callers.yaml"))).toThrow(/cannot be read \(ENOENT\)/);
  });

  it("stops without any caller, and on a key that is also in the file", () => {
    expect(() => loadIntakeConfig({})).toThrow(/no caller: set INTAKE_API_KEYS, INTAKE_CALLERS_FILE/);
    expect(() => loadIntakeConfig(env(callersFile(), KEYS["team-a"]))).toThrow(/same key as another/);
  });
});
