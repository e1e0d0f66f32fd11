import { fixture } from "@tat-bulk/test-support/fixture";
import { describe, expect, it } from "vitest";
import { API_KEY, cvmIds, startIntake, validBatch } from "./intake-harness.js";

const intake = fixture(startIntake);

async function postRaw(body: string | Uint8Array, contentType = "application/json") {
  return fetch(`${intake().baseUrl}/v1/invoker-batches`, {
    method: "POST",
    headers: { authorization: `Bearer ${API_KEY}`, "content-type": contentType },
    body,
  });
}

const deep = (depth: number) => `${"[".repeat(depth)}${"]".repeat(depth)}`;
const hostile: Array<[string, () => string | Uint8Array, number, string]> = [
  ["not JSON", () => "{Name:", 400, "InvalidParameter"],
  ["an empty body", () => "", 400, "InvalidParameter"],
  ["a JSON array", () => "[1,2,3]", 400, "InvalidParameter"],
  ["a JSON string", () => '"hello"', 400, "InvalidParameter"],
  ["JSON null", () => "null", 400, "InvalidParameter"],
  [
    "a __proto__ key",
    () => `{"__proto__":{"admin":true},${JSON.stringify(validBatch()).slice(1)}`,
    400,
    "UnknownParameter",
  ],
  [
    "a constructor.prototype key",
    () => JSON.stringify({ ...validBatch(), constructor: { prototype: { x: 1 } } }),
    400,
    "UnknownParameter",
  ],
  [
    "a __proto__ in a tag",
    () =>
      JSON.stringify({ ...validBatch(), Tags: [JSON.parse('{"__proto__":{"x":1},"Key":"k","Value":"v"}')] }),
    400,
    "UnknownParameter",
  ],
  [
    "deep nesting in a field",
    () => JSON.stringify(validBatch()).replace('"patch-fleet"', deep(5000)),
    400,
    "InvalidParameter",
  ],
  ["deeper nesting than JSON.parse takes", () => deep(200_000), 400, "InvalidParameter"],
  [
    "a huge InstanceIds array",
    () => JSON.stringify({ ...validBatch(), InstanceIds: Array(150_000).fill("x") }),
    400,
    "InvalidParameterValue.Range",
  ],
  [
    "a body over the size limit",
    () => JSON.stringify({ ...validBatch(), Name: "n".repeat(9 * 1024 * 1024) }),
    413,
    "RequestSizeLimitExceeded",
  ],
  [
    "wrong types everywhere",
    () => JSON.stringify({ Name: [], Type: {}, CommandId: 1, InstanceIds: {}, ScheduleSettings: "x" }),
    400,
    "InvalidParameter",
  ],
  [
    "numbers as IDs",
    () => JSON.stringify({ ...validBatch(), InstanceIds: [1, 2, 3] }),
    400,
    "InvalidParameter",
  ],
  [
    "invalid UTF-8",
    () => new Uint8Array([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d]),
    400,
    "UnknownParameter",
  ],
];

describe("hostile bodies", () => {
  const table = hostile.map(([name, make, status, code]) => ({ name, make, status, code }));
  it.each(table)("$name → $status $code, nothing enqueued", async ({ make, status, code }) => {
    const before = await intake().keys();
    const res = await postRaw(make());
    expect(res.status).toBe(status);
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
    const body = (await res.json()) as { Error: { Code: string; Message: string }; RequestId: string };
    expect(body.Error.Code).toBe(code);
    expect(body.Error.Message).not.toMatch(/\bat .+:\d+:\d+/);
    expect(body.RequestId).toEqual(expect.any(String));
    expect(await intake().keys()).toEqual(before);
  });

  it("treats a non-JSON content type as JSON it cannot parse, not as no body", async () => {
    const res = await postRaw("Name=x", "application/x-www-form-urlencoded");
    expect(res.status).toBe(400);
  });

  it("answers an unknown route with the error shape, not HTML", async () => {
    const res = await fetch(`${intake().baseUrl}/nope`);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { Error: { Code: string } }).Error.Code).toBe("InvalidAction");
  });

  it("still accepts a good batch of 100,000 IDs afterwards", async () => {
    const res = await postRaw(JSON.stringify(validBatch(cvmIds(100_000))));
    expect(res.status).toBe(202);
    const body = (await res.json()) as { ChunkCount: number; BatchId: string };
    expect(body.ChunkCount).toBe(1000);
    const started = performance.now();
    const status = await intake().request(`/v1/invoker-batches/${body.BatchId}`);
    expect(status.status).toBe(200);
    // Not a timing assertion: the status page carries 100 chunks however large the batch.
    expect(((await status.json()) as { Chunks: unknown[] }).Chunks).toHaveLength(100);
    expect(performance.now() - started).toBeGreaterThan(0);
  });
});
