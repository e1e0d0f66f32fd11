import { describe, expect, it } from "vitest";
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
