import { describe, expect, it } from "vitest";
import { isAllowedCallback, isForbiddenAddress } from "../src/allowed-hosts.js";
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
    ["http://HOOKS.example.com/tat", true],
    ["https://hooks.example.com:443/tat", true],
    // A host listed without a port allows the standard ports only.
    ["http://hooks.example.com:8080/tat", false],
    ["https://hooks.example.com:22/tat", false],
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

describe("isForbiddenAddress", () => {
  it.each([
    ["10.0.3.7", false],
    ["203.0.113.5", false],
    ["2001:db8::1", false],
    ["127.0.0.1", true],
    ["127.8.9.10", true],
    ["::1", true],
    ["::ffff:127.0.0.1", true],
    ["169.254.169.254", true],
    ["169.254.0.23", true],
    ["fe80::1", true],
    ["0.0.0.0", true],
    ["100.100.100.200", true],
  ])("%s: %s", (address, forbidden) => {
    expect(isForbiddenAddress(address)).toBe(forbidden);
  });
});
