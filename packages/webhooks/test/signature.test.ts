import { describe, expect, it } from "vitest";
import { isAllowedCallback } from "../src/allowed-hosts.js";
import { signatureHeader, verifyWebhookSignature } from "../src/signature.js";

const secret = "whsec-0123456789abcdef";
const body = '{"EventId":"evt-1","Type":"batch.finished"}';
const now = 1_800_000_000;

describe("webhook signatures", () => {
  it("verifies what it signs, over the raw body", () => {
    const header = signatureHeader(secret, body, now);
    expect(header).toMatch(/^t=1800000000,v1=[0-9a-f]{64}$/);
    expect(verifyWebhookSignature({ secret, header, body, nowSeconds: now + 10 })).toBe(true);
  });

  it.each([
    ["another body", { body: `${body} ` }],
    ["another secret", { secret: "whsec-other" }],
    ["a stale signature", { nowSeconds: now + 301 }],
    ["a signature from the future", { nowSeconds: now - 301 }],
    ["no header", { header: null }],
    ["a malformed header", { header: "v1=abc" }],
  ])("refuses %s", (_name, change) => {
    const header = signatureHeader(secret, body, now);
    expect(verifyWebhookSignature({ secret, header, body, nowSeconds: now, ...change })).toBe(false);
  });
});

describe("isAllowedCallback", () => {
  const allowed = ["hooks.example.com", "127.0.0.1:9000", "[::1]:8443"];
  it.each([
    ["https://hooks.example.com/tat", true],
    ["http://HOOKS.example.com:8080/tat", true],
    ["http://127.0.0.1:9000/hook", true],
    ["https://[::1]:8443/x", true],
    ["http://127.0.0.1:9001/hook", false],
    ["https://evil.example.com/", false],
    ["https://hooks.example.com.evil.com/", false],
    ["ftp://hooks.example.com/", false],
    ["not a url", false],
  ])("%s: %s", (url, ok) => {
    expect(isAllowedCallback(url, allowed)).toBe(ok);
  });
  it("allows nothing when the list is empty (webhooks off)", () => {
    expect(isAllowedCallback("https://hooks.example.com/", [])).toBe(false);
  });
});
