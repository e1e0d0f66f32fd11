import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import type { RequestTiming } from "../src/request-timing.js";
import { checkSendHold } from "../src/send-hold-check.js";
import { parseEndpoint, TatClient, transportCode } from "../src/tat-client.js";

describe("parseEndpoint", () => {
  it("takes a bare host as https and a URL as given", () => {
    expect(parseEndpoint("tat.intl.tencentcloudapi.com")).toEqual({
      protocol: "https://",
      host: "tat.intl.tencentcloudapi.com",
    });
    expect(parseEndpoint("http://127.0.0.1:4600")).toEqual({ protocol: "http://", host: "127.0.0.1:4600" });
    expect(parseEndpoint("https://tat.tencentcloudapi.com/")).toEqual({
      protocol: "https://",
      host: "tat.tencentcloudapi.com",
    });
  });
});

describe("transportCode", () => {
  it.each([
    [{ httpCode: 502, message: "Bad Gateway" }, "HttpError"],
    [{ message: "network timeout at: http://127.0.0.1:4600/" }, "Timeout"],
    [
      { message: "request to http://127.0.0.1:1/ failed, reason: connect ECONNREFUSED 127.0.0.1:1" },
      "ConnectionRefused",
    ],
    [{ message: "invalid json response body at http://x/ reason: Unexpected token <" }, "InvalidResponse"],
    [{ message: "socket hang up" }, "NetworkError"],
  ])("%j is %s", (error, code) => {
    expect(transportCode(error)).toBe(code);
  });

  it("classifies a refused connection through the real SDK", async () => {
    const client = new TatClient({
      endpoint: "http://127.0.0.1:1",
      secretId: "id",
      secretKey: "key",
      timeoutMs: 2000,
    });
    const result = await client.call("DescribeInvokers", "ap-guangzhou", {});
    client.close();
    expect(result).toMatchObject({ ok: false, code: "ConnectionRefused", transport: true });
  });
});

describe("TatClient.call's timing", () => {
  it("holds a prepared request until told, hears when it left, and leaves other calls alone", async () => {
    const received: { at: number; action: string }[] = [];
    const server = createServer((req, res) => {
      received.push({ at: performance.now(), action: String(req.headers["x-tc-action"]) });
      req.resume();
      // The answer comes 50 ms after the request arrived: onSent must not wait for it.
      setTimeout(() => {
        res.setHeader("content-type", "application/json");
        res.end(JSON.stringify({ Response: { RequestId: "r-1", InvokerSet: [] } }));
      }, 50);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    const client = new TatClient({
      endpoint: `http://127.0.0.1:${port}`,
      secretId: "id",
      secretKey: "key",
      timeoutMs: 2000,
    });
    const sent: number[] = [];
    const started = performance.now();
    let releasedAt = 0;
    const holdUntil = new Promise<void>((resolve) =>
      setTimeout(() => {
        releasedAt = performance.now();
        resolve();
      }, 200),
    );
    const [held] = await Promise.all([
      client.call("DescribeInvokers", "ap-guangzhou", {}, { holdUntil, onSent: (at) => sent.push(at) }),
      client.call("DescribeInvokerRecords", "ap-guangzhou", {}),
    ]);
    const answered = performance.now();
    await holdUntil;
    client.close();
    await new Promise((resolve) => server.close(resolve));
    expect(held).toMatchObject({ ok: true, requestId: "r-1" });
    const arrival = (action: string) => received.find((r) => r.action === action)?.at ?? Number.NaN;
    // The other call went at once; the held one only once released, and was heard leaving then.
    expect(arrival("DescribeInvokerRecords") - started).toBeLessThan(150);
    expect(arrival("DescribeInvokers")).toBeGreaterThanOrEqual(releasedAt);
    expect(sent).toHaveLength(1);
    const [at] = sent;
    expect(at).toBeGreaterThanOrEqual(releasedAt);
    expect(at).toBeLessThan(answered - 40);
  });
});

describe("checkSendHold", () => {
  it("finds that the installed SDK's calls wait for their hold", async () => {
    expect(await checkSendHold()).toEqual({ works: true });
  });

  it("finds it out when a call leaves before its hold is over", async () => {
    // What an SDK that no longer sent through the agent it is given would do.
    class Unheld extends TatClient {
      override call<T>(
        action: string,
        region: string,
        params: Record<string, unknown>,
        timing: RequestTiming = {},
      ) {
        return super.call<T>(action, region, params, timing.onSent ? { onSent: timing.onSent } : {});
      }
    }
    expect(await checkSendHold({ clientOf: (options) => new Unheld(options) })).toEqual({
      works: false,
      reason: "the held call reached the server before its release",
    });
  });
});
