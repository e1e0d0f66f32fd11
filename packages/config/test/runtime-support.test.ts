import { describe, expect, it } from "vitest";
import { runtimeWarning } from "../src/runtime-support.js";

describe("runtimeWarning", () => {
  const at = new Date("2026-12-02T00:00:00Z");
  it("warns on a line past its end of life, and names the supported ones", () => {
    expect(runtimeWarning("20.20.2", at)).toMatch(
      /Node\.js 20\.20\.2 reached its end of life on 2026-04-30.*24 LTS/,
    );
    expect(runtimeWarning("23.11.0", at)).toMatch(/end of life on 2025-06-01/);
  });
  it("says nothing on a supported line", () => {
    expect(runtimeWarning("24.21.0", at)).toBeUndefined();
    expect(runtimeWarning("22.12.0", at)).toBeUndefined();
    expect(runtimeWarning("26.1.0", at)).toBeUndefined();
  });
  it("judges a line it does not list by Node's release rule", () => {
    expect(runtimeWarning("28.0.0", new Date("2031-01-01T00:00:00Z"))).toMatch(/end of life on 2030-04-30/);
    expect(runtimeWarning("28.0.0", new Date("2029-01-01T00:00:00Z"))).toBeUndefined();
    expect(runtimeWarning("27.1.0", new Date("2029-01-01T00:00:00Z"))).toMatch(/end of life on 2027-06-01/);
  });
});
