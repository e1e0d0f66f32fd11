import { tc3Signature } from "@tat-bulk/tat-api";
import { fixture } from "@tat-bulk/test-support/fixture";
import { describe, expect, it } from "vitest";
import { createParams, SECRET_ID, SECRET_KEY, startSim } from "./sim-harness.js";

const h = fixture(startSim);

/** A request signed by hand, to reach the cases the SDK never produces (old timestamps, bad headers). */
async function signedCall(options: {
  timestamp?: number;
  version?: string;
  authorization?: string | null;
  secretKey?: string;
  signedHeaders?: string[];
  body?: string;
}) {
  const body = options.body ?? JSON.stringify(createParams());
  const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000);
  const host = new URL(h().url).hostname;
  const signedHeaders = options.signedHeaders ?? ["content-type", "host"];
  const values: Record<string, string> = {
    "content-type": "application/json",
    host,
    "x-tc-action": "createinvoker",
  };
  const signature = tc3Signature({
    secretKey: options.secretKey ?? SECRET_KEY,
    service: "tat",
    timestamp,
    headers: signedHeaders.map((name) => [name, values[name] ?? ""] as const),
    body,
  });
  const date = new Date(timestamp * 1000).toISOString().slice(0, 10);
  const authorization =
    options.authorization === undefined
      ? `TC3-HMAC-SHA256 Credential=${SECRET_ID}/${date}/tat/tc3_request, SignedHeaders=${signedHeaders.join(";")}, Signature=${signature}`
      : options.authorization;
  const res = await fetch(h().url, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "x-tc-action": "CreateInvoker",
      "x-tc-version": options.version ?? "2020-10-28",
      "x-tc-region": "ap-guangzhou",
      "x-tc-timestamp": String(timestamp),
      ...(authorization === null ? {} : { authorization }),
    },
    body,
  });
  expect(res.status).toBe(200);
  return (
    (await res.json()) as { Response: { Error?: { Code: string }; InvokerId?: string; RequestId: string } }
  ).Response;
}

describe("TC3-HMAC-SHA256 verification", () => {
  it("accepts a request signed by hand with the documented algorithm", async () => {
    expect((await signedCall({})).InvokerId).toMatch(/^ivk-/);
  });

  it("honours the SignedHeaders list", async () => {
    expect((await signedCall({ signedHeaders: ["content-type", "host", "x-tc-action"] })).InvokerId).toMatch(
      /^ivk-/,
    );
  });

  it.each([
    ["no Authorization", { authorization: null }, "AuthFailure.InvalidAuthorization"],
    [
      "a malformed Authorization",
      { authorization: "TC3-HMAC-SHA256 nonsense" },
      "AuthFailure.InvalidAuthorization",
    ],
    ["SignedHeaders without host", { signedHeaders: ["content-type"] }, "AuthFailure.InvalidAuthorization"],
    [
      "a timestamp 6 minutes old",
      { timestamp: Math.floor(Date.now() / 1000) - 360 },
      "AuthFailure.SignatureExpire",
    ],
    [
      "a timestamp 6 minutes ahead",
      { timestamp: Math.floor(Date.now() / 1000) + 360 },
      "AuthFailure.SignatureExpire",
    ],
    ["the wrong key", { secretKey: "not-the-key" }, "AuthFailure.SignatureFailure"],
    ["an unknown version", { version: "2017-03-12" }, "NoSuchVersion"],
  ])("answers %s with %s", async (_name, options, code) => {
    expect((await signedCall(options)).Error?.Code).toBe(code);
  });

  it("answers a body changed after signing with SignatureFailure", async () => {
    const response = await signedCall({
      authorization: undefined,
      body: JSON.stringify(createParams(["ins-00000001"])),
    });
    expect(response.InvokerId).toMatch(/^ivk-/);
    const tampered = await fetch(h().url, { method: "POST", body: "{}" });
    expect(((await tampered.json()) as { Response: { Error: { Code: string } } }).Response.Error.Code).toBe(
      "AuthFailure.InvalidAuthorization",
    );
  });

  it("through the SDK: a region that is no region answers UnsupportedRegion", async () => {
    const result = await h().client().call("CreateInvoker", "Mars", createParams());
    expect(result).toMatchObject({ ok: false, code: "UnsupportedRegion" });
  });

  it("through the SDK: an unknown SecretId and a wrong SecretKey", async () => {
    const unknown = await h()
      .client({ secretId: "AKIDnobody" })
      .call("CreateInvoker", "ap-guangzhou", createParams());
    expect(unknown).toMatchObject({ ok: false, code: "AuthFailure.SecretIdNotFound" });
    const wrong = await h()
      .client({ secretKey: "wrong" })
      .call("CreateInvoker", "ap-guangzhou", createParams());
    expect(wrong).toMatchObject({ ok: false, code: "AuthFailure.SignatureFailure" });
  });

  it("through the SDK on localhost: the service is the scope's and the host has no port", async () => {
    const local = h().url.replace("127.0.0.1", "localhost");
    const { TatClient } = await import("@tat-bulk/tat-client");
    const client = new TatClient({
      endpoint: local,
      secretId: SECRET_ID,
      secretKey: SECRET_KEY,
      timeoutMs: 5000,
    });
    expect(await client.call("CreateInvoker", "ap-guangzhou", createParams())).toMatchObject({ ok: true });
    client.close();
  });
});
