import { readFile } from "node:fs/promises";
import { cvmIds, type ProcessStack, sampleBatch, startProcessStack } from "@tat-bulk/test-support";
import { signatureHeader } from "@tat-bulk/webhooks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
// @ts-expect-error: a plain .mjs script (what `npm run generate` runs), without types
import { openapiTypes } from "../scripts/openapi-types.mjs";
import {
  type BatchSummary,
  createTatBulkClient,
  TatBulkError,
  verifyWebhookSignature,
} from "../src/index.js";

const KEY = "client-test-key-0123456789";
let stack: ProcessStack;
beforeAll(async () => {
  stack = await startProcessStack({
    name: "client",
    intakeEnv: { INTAKE_API_KEYS: KEY },
    simEnv: { TAT_SIM_OFFLINE_RATE: "0.05" },
  });
});
afterAll(async () => {
  await stack?.close();
});
const client = () => createTatBulkClient({ baseUrl: stack.intake.ready, apiKey: KEY });

describe("@tat-bulk/client against a real intake, worker and simulator", () => {
  it("has types generated from the intake's /openapi.json as it is now", async () => {
    const document = await (await fetch(`${stack.intake.ready}/openapi.json`)).json();
    const committed = await readFile(new URL("../src/generated/openapi.ts", import.meta.url), "utf8");
    // Stale: run `npm run generate -w @tat-bulk/client` after changing the API.
    expect(await openapiTypes(document)).toBe(committed);
  });

  it("submits, waits with progress and backoff, and pages through every instance", async () => {
    const c = client();
    const accepted = await c.submit(sampleBatch(cvmIds(1500)), { idempotencyKey: "client-test-1" });
    expect(accepted).toMatchObject({ InstanceCount: 1500, ChunkCount: 15 });
    const again = await c.submit(sampleBatch(cvmIds(1500)), { idempotencyKey: "client-test-1" });
    expect(again.BatchId).toBe(accepted.BatchId);
    const seen: BatchSummary[] = [];
    const final = await c.waitForBatch(accepted.BatchId, {
      minDelayMs: 100,
      maxDelayMs: 400,
      onProgress: (s) => seen.push(s),
      timeoutMs: 60_000,
    });
    expect(final.FinishedAt).not.toBeNull();
    expect(seen.at(-1)).toEqual(final);
    expect(seen.length).toBeGreaterThan(1);
    const all = [];
    for await (const instance of c.instances(accepted.BatchId, { pageSize: 400 })) all.push(instance);
    expect(all).toHaveLength(1500);
    expect(new Set(all.map((i) => i.InstanceId)).size).toBe(1500);
    const failed = [];
    for await (const instance of c.instances(accepted.BatchId, { status: "FAILED" })) failed.push(instance);
    // 5% of the simulator's agents are offline: the agent check names them.
    expect(failed.length).toBe(final.Instances.Failed);
    expect(failed.length).toBeGreaterThan(0);
    expect(failed.every((i) => i.Error?.Code === "ResourceUnavailable.AgentStatusNotOnline")).toBe(true);
  });

  it("answers the intake's errors as TatBulkError with code, status and RequestId", async () => {
    const error = await client()
      .status("bat-0000000000000000")
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TatBulkError);
    expect(error).toMatchObject({ status: 404, code: "ResourceNotFound", requestId: expect.any(String) });
    const refused = await createTatBulkClient({ baseUrl: stack.intake.ready, apiKey: "wrong-key-0123456789" })
      .status("bat-0000000000000000")
      .catch((e: unknown) => e);
    expect(refused).toMatchObject({ status: 401 });
    const invalid = await client()
      .submit({ ...sampleBatch(["not-an-id"]) })
      .catch((e: unknown) => e);
    expect(invalid).toMatchObject({ status: 400, code: expect.stringMatching(/^InvalidParameter/) });
  });

  it("checks a webhook signature as tat-bulk signs it, and refuses a changed body", () => {
    const secret = "webhook-secret-0123456789";
    const body = '{"EventId":"e1","Status":"SUCCEEDED"}';
    const header = signatureHeader(secret, body);
    expect(verifyWebhookSignature({ secret, header, body })).toBe(true);
    expect(verifyWebhookSignature({ secret, header, body: body.replace("SUCCEEDED", "FAILED") })).toBe(false);
  });
});
