import { describe, expect, it } from "vitest";
import { globMatcher } from "../src/allow-list.js";
import { hasScope, keyCaller, sha256Hex } from "../src/caller.js";
import { CallerRegistry } from "../src/caller-registry.js";
import { CallersFileError, parseCallers } from "../src/callers-file.js";

const KEY = "deploy-bot-key-0123456789abcdef";
const entry = (fields: Record<string, unknown> = {}) => ({
  Name: "deploy-bot",
  KeySha256: sha256Hex(KEY),
  Scopes: ["batches:write", "batches:read", "batches:cancel"],
  ...fields,
});

describe("callers file", () => {
  it("reads JSON and YAML alike, with defaults for what an entry leaves out (allow-lists: nothing)", () => {
    const json = parseCallers(JSON.stringify([entry({ MaxInstancesInFlight: 200000, Weight: 2 })]), "c.json");
    const yaml = parseCallers(
      `- Name: deploy-bot\n  KeySha256: ${sha256Hex(KEY)}\n  Scopes: [batches:write, batches:read, batches:cancel]\n  MaxInstancesInFlight: 200000\n  Weight: 2\n`,
      "c.yaml",
    );
    expect(yaml).toEqual(json);
    expect(json[0]).toMatchObject({
      AllowedCommandIds: [],
      AllowedRegions: [],
      AllowedAccounts: [],
      MaxInstancesInFlight: 200000,
      Weight: 2,
      MetricsLabel: "deploy-bot",
    });
  });

  it.each([
    ["not a list", "{}", /c\.json: must be a list of callers/],
    ["not JSON or YAML", "[{", /c\.json: not JSON or YAML/],
    [
      "an unknown scope",
      JSON.stringify([entry({ Scopes: ["batches:writ"] })]),
      /entry 1 \("deploy-bot"\): Scopes\.0/,
    ],
    [
      "a key instead of its hash",
      JSON.stringify([entry({ KeySha256: KEY })]),
      /entry 1 \("deploy-bot"\): KeySha256: the hex SHA-256/,
    ],
    [
      "an unknown field",
      JSON.stringify([entry(), entry({ Name: "b", Wieght: 2 })]),
      /entry 2 \("b"\): .*Wieght/,
    ],
    ["a bad name", JSON.stringify([{ ...entry(), Name: "has space" }]), /entry 1 \("has space"\): Name/],
    [
      "two webhook secrets",
      JSON.stringify([entry({ WebhookSecret: "s".repeat(16), WebhookSecretEnv: "HOOK_SECRET" })]),
      /entry 1 \("deploy-bot"\): .*WebhookSecret or WebhookSecretEnv/,
    ],
  ])("names the entry and field on %s", (_what, text, message) => {
    expect(() => parseCallers(text, "c.json")).toThrow(CallersFileError);
    expect(() => parseCallers(text, "c.json")).toThrow(message);
  });

  it("says where a file does not parse, never what it holds there", () => {
    const secret = "s3cr3t-webhook-value-0123456789";
    const text = `- Name: a\n  WebhookSecret: "${secret}\n  Scopes: [admin`;
    let message = "";
    try {
      parseCallers(text, "c.yaml");
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/^c\.yaml: not JSON or YAML \(line \d+, column \d+\)$/);
    expect(message).not.toContain("s3cr3t");
  });
});

describe("CallerRegistry", () => {
  it("finds a caller by its key, and nobody by a wrong or empty one", () => {
    const [deployBot] = parseCallers(JSON.stringify([entry()]), "c.json");
    const registry = new CallerRegistry([
      deployBot ?? keyCaller("x", 1, 1),
      keyCaller("legacy-key-0123456789", 1, 1000),
    ]);
    expect(registry.authenticate(KEY)?.Name).toBe("deploy-bot");
    expect(registry.authenticate("legacy-key-0123456789")?.Name).toMatch(/^key-[0-9a-f]{12}$/);
    expect(registry.authenticate(`${KEY}x`)).toBeUndefined();
    expect(registry.authenticate("")).toBeUndefined();
  });

  it("refuses two callers with one name or one key", () => {
    expect(
      () =>
        new CallerRegistry([keyCaller("a-key-0123456789abc", 1, 1), keyCaller("a-key-0123456789abc", 2, 1)]),
    ).toThrow(/two callers are named/);
    const [first] = parseCallers(JSON.stringify([entry()]), "c.json");
    if (!first) throw new Error("no caller");
    expect(() => new CallerRegistry([first, { ...first, Name: "other" }])).toThrow(/same key as another/);
  });

  it("gives INTAKE_API_KEYS' keys every scope but admin and priority:high, a quota, and a label not made from the key", () => {
    const legacy = keyCaller("legacy-key-0123456789", 3, 200_000);
    expect(hasScope(legacy, "batches:cancel")).toBe(true);
    expect(hasScope(legacy, "admin")).toBe(false);
    expect(hasScope(legacy, "priority:high")).toBe(false);
    expect(legacy).toMatchObject({ MaxInstancesInFlight: 200_000, MetricsLabel: "api-key-3" });
    expect(hasScope({ ...legacy, Scopes: ["admin"] }, "invokers:write")).toBe(true);
  });
});

describe("allow-lists", () => {
  it("match whole IDs with * and ?, nothing else special", () => {
    const allows = globMatcher(["cmd-*", "ap-?uangzhou", "a.b"]);
    expect(["cmd-m7uma92n", "cmd-", "ap-guangzhou", "a.b"].map(allows)).toEqual([true, true, true, true]);
    expect(["xcmd-1", "ap-shanghai", "aXb", "ap-guangzhou2"].map(allows)).toEqual([
      false,
      false,
      false,
      false,
    ]);
    expect(globMatcher(["*"])("anything")).toBe(true);
  });
});
