import { describe, expect, it } from "vitest";
import { maxErrorsThreshold } from "../src/batch-fields.js";
import { invokerBatchSchema, MAX_INSTANCES_PER_BATCH } from "../src/create-invoker-schema.js";
import { checkCronExpression } from "../src/cron-expression.js";
import { parseInvokeTime } from "../src/invoke-time.js";
import { validateInvokerRequest } from "../src/validate-request.js";

const NOW = new Date("2026-11-28T00:00:00Z");

const valid = () => ({
  Name: "patch-fleet",
  Type: "SCHEDULE",
  CommandId: "cmd-m7uma92n",
  InstanceIds: ["ins-yx05ky8j", "lhins-abcdefgh", "rins-12345678"],
  Username: "root",
  Parameters: '{"version":"1.2"}',
  ScheduleSettings: { Policy: "ONCE", InvokeTime: "2027-01-01T00:00:00+08:00" },
  Tags: [{ Key: "team", Value: "sre" }],
  Region: "ap-singapore",
});

const check = (body: unknown) =>
  validateInvokerRequest(invokerBatchSchema, body, NOW, MAX_INSTANCES_PER_BATCH);

function codeOf(body: unknown): string {
  const result = check(body);
  return result.ok ? "OK" : result.error.code;
}

/** A change to the valid request: each field given replaces it; `undefined` removes it. */
type Patch = Record<string, unknown>;
const cases: ReadonlyArray<[string, Patch, string]> = [
  ["a valid request", {}, "OK"],
  [
    "no Username, Parameters, Tags or Region",
    { Username: undefined, Parameters: undefined, Tags: undefined, Region: undefined },
    "OK",
  ],
  ["Name of 120 characters", { Name: "n".repeat(120) }, "OK"],
  ["Name of 121 characters", { Name: "n".repeat(121) }, "InvalidParameterValue.TooLong"],
  ["empty Name", { Name: "" }, "InvalidParameterValue.TooLong"],
  ["missing Name", { Name: undefined }, "MissingParameter"],
  ["Name a number", { Name: 5 }, "InvalidParameter"],
  ["Type other than SCHEDULE", { Type: "ONCE" }, "InvalidParameterValue"],
  ["missing Type", { Type: undefined }, "MissingParameter"],
  ["CommandId too short", { CommandId: "cmd-123" }, "InvalidParameterValue.InvalidCommandId"],
  ["CommandId upper case", { CommandId: "cmd-M7UMA92N" }, "InvalidParameterValue.InvalidCommandId"],
  ["missing CommandId", { CommandId: undefined }, "MissingParameter"],
  ["empty InstanceIds", { InstanceIds: [] }, "InvalidParameterValue.Range"],
  [
    "100,001 InstanceIds",
    { InstanceIds: Array(100_001).fill("ins-yx05ky8j") },
    "InvalidParameterValue.Range",
  ],
  ["100,000 InstanceIds with duplicates", { InstanceIds: Array(100_000).fill("ins-yx05ky8j") }, "OK"],
  ["a bad instance prefix", { InstanceIds: ["vm-yx05ky8j"] }, "InvalidParameterValue.InvalidInstanceId"],
  [
    "a 7-character instance suffix",
    { InstanceIds: ["ins-yx05ky8"] },
    "InvalidParameterValue.InvalidInstanceId",
  ],
  [
    "an instance ID with upper case",
    { InstanceIds: ["ins-YX05KY8J"] },
    "InvalidParameterValue.InvalidInstanceId",
  ],
  ["InstanceIds not an array", { InstanceIds: "ins-yx05ky8j" }, "InvalidParameter"],
  ["an instance ID not a string", { InstanceIds: [42] }, "InvalidParameter"],
  ["Username of 257 characters", { Username: "u".repeat(257) }, "InvalidParameterValue.TooLong"],
  ["Parameters not JSON", { Parameters: "{version" }, "InvalidParameterValue.ParameterInvalidJsonFormat"],
  ["Parameters a JSON array", { Parameters: "[1,2]" }, "InvalidParameterValue.ParameterInvalidJsonFormat"],
  ["Parameters JSON null", { Parameters: "null" }, "InvalidParameterValue.ParameterInvalidJsonFormat"],
  ["Parameters an object, not a string", { Parameters: { a: 1 } }, "InvalidParameter"],
  ["missing ScheduleSettings", { ScheduleSettings: undefined }, "MissingParameter"],
  ["unknown Policy", { ScheduleSettings: { Policy: "SOMETIMES" } }, "InvalidParameterValue"],
  ["ONCE without InvokeTime", { ScheduleSettings: { Policy: "ONCE" } }, "MissingParameter"],
  [
    "ONCE with a time without zone",
    { ScheduleSettings: { Policy: "ONCE", InvokeTime: "2027-01-01T00:00:00" } },
    "InvalidParameterValue.InvalidTimeFormat",
  ],
  [
    "ONCE with a date only",
    { ScheduleSettings: { Policy: "ONCE", InvokeTime: "2027-01-01" } },
    "InvalidParameterValue.InvalidTimeFormat",
  ],
  [
    "ONCE on February 30th",
    { ScheduleSettings: { Policy: "ONCE", InvokeTime: "2027-02-30T00:00:00Z" } },
    "InvalidParameterValue.InvalidTimeFormat",
  ],
  [
    "ONCE in the past",
    { ScheduleSettings: { Policy: "ONCE", InvokeTime: "2026-11-27T23:59:59Z" } },
    "InvalidParameterValue.InvokeTimeExpired",
  ],
  [
    "ONCE at an offset still in the future",
    { ScheduleSettings: { Policy: "ONCE", InvokeTime: "2026-11-28T08:00:01+08:00" } },
    "OK",
  ],
  [
    "ONCE at an offset already past",
    { ScheduleSettings: { Policy: "ONCE", InvokeTime: "2026-11-28T07:59:59+08:00" } },
    "InvalidParameterValue.InvokeTimeExpired",
  ],
  ["RECURRENCE without Recurrence", { ScheduleSettings: { Policy: "RECURRENCE" } }, "MissingParameter"],
  [
    "RECURRENCE with the published example",
    { ScheduleSettings: { Policy: "RECURRENCE", Recurrence: "0 0 1 * *" } },
    "OK",
  ],
  [
    "RECURRENCE with six fields",
    { ScheduleSettings: { Policy: "RECURRENCE", Recurrence: "0 0 0 1 * *" } },
    "InvalidParameterValue.InvalidCronExpression",
  ],
  [
    "RECURRENCE with minute 60",
    { ScheduleSettings: { Policy: "RECURRENCE", Recurrence: "60 0 1 * *" } },
    "InvalidParameterValue.InvalidCronExpression",
  ],
  [
    "unknown field in ScheduleSettings",
    { ScheduleSettings: { Policy: "RECURRENCE", Recurrence: "0 0 1 * *", Extra: 1 } },
    "UnknownParameter",
  ],
  [
    "11 tags",
    { Tags: Array.from({ length: 11 }, (_, i) => ({ Key: `k${i}`, Value: "v" })) },
    "InvalidParameterValue.Range",
  ],
  ["10 tags", { Tags: Array.from({ length: 10 }, (_, i) => ({ Key: `k${i}`, Value: "v" })) }, "OK"],
  ["a tag with an empty Key", { Tags: [{ Key: "", Value: "v" }] }, "InvalidParameterValue"],
  ["a tag without Value", { Tags: [{ Key: "k" }] }, "MissingParameter"],
  ["a tag with a number Value", { Tags: [{ Key: "k", Value: 1 }] }, "InvalidParameter"],
  ["a tag key starting qcloud", { Tags: [{ Key: "qcloud:env", Value: "v" }] }, "InvalidParameterValue"],
  ["a tag key starting tencent", { Tags: [{ Key: "tencentcloud", Value: "v" }] }, "InvalidParameterValue"],
  ["a tag key starting project", { Tags: [{ Key: "project", Value: "v" }] }, "InvalidParameterValue"],
  [
    "a tag key starting tat-bulk (tat-bulk's own)",
    { Tags: [{ Key: "tat-bulk-chunk", Value: "bat-0123456789abcdef/0" }] },
    "InvalidParameterValue.TagKeyReserved",
  ],
  [
    "a tag key starting TAT-BULK",
    { Tags: [{ Key: "TAT-Bulk-x", Value: "v" }] },
    "InvalidParameterValue.TagKeyReserved",
  ],
  ["an unknown top-level field", { Extra: true }, "UnknownParameter"],
  ["a Region that is no region", { Region: "Mars" }, "InvalidParameterValue"],
];

describe("validateInvokerRequest", () => {
  it.each(cases)("%s → %s", (_name, patch, expected) => {
    const body: Record<string, unknown> = { ...valid(), ...patch };
    for (const [field, value] of Object.entries(patch)) if (value === undefined) delete body[field];
    expect(codeOf(body)).toBe(expected);
  });

  it("answers UnknownParameter before anything else is wrong", () => {
    expect(codeOf({ Bogus: 1, Name: 5 })).toBe("UnknownParameter");
  });

  it("names the first offending instance IDs and how many more", () => {
    const body = { ...valid(), InstanceIds: ["ins-yx05ky8j", "a", "b", "c", "d", "e", "f", "g"] };
    const result = check(body);
    expect(result.ok).toBe(false);
    if (!result.ok)
      expect(result.error.message).toBe('7 invalid instance IDs: "a", "b", "c", "d", "e" and 2 more');
  });

  it("refuses a body that is not an object", () => {
    for (const body of [null, [], "x", 5]) expect(codeOf(body)).toBe("InvalidParameter");
  });

  it("treats a JSON __proto__ key as an unknown parameter without polluting prototypes", () => {
    const body = JSON.parse(`{"__proto__": {"polluted": true}, ${JSON.stringify(valid()).slice(1)}`);
    expect(codeOf(body)).toBe("UnknownParameter");
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe("checkCronExpression", () => {
  it.each([
    ["0 0 1 * *", true],
    ["*/5 * * * *", true],
    ["0 9-18/3 * * MON-FRI", true],
    ["0 0 * JAN,JUL 0", true],
    ["0 0 29 2 *", true],
    ["0 0 31 4 1", true],
    ["0 0 30 2 *", false],
    ["0 0 31 4,6 *", false],
    ["* * * *", false],
    ["0 24 * * *", false],
    ["0 0 0 * *", false],
    ["0 0 1 13 *", false],
    ["0 0 1 * 8", false],
    ["*/0 * * * *", false],
    ["5-1 * * * *", false],
    ["a b c d e", false],
  ])("%s → %s", (expression, ok) => {
    expect(checkCronExpression(expression).ok).toBe(ok);
  });
});

describe("parseInvokeTime", () => {
  it("reads Z and offsets as the same instant", () => {
    expect(parseInvokeTime("2021-09-01T00:00:00+08:00")?.toISOString()).toBe("2021-08-31T16:00:00.000Z");
    expect(parseInvokeTime("2021-08-31T16:00:00Z")?.toISOString()).toBe("2021-08-31T16:00:00.000Z");
  });
  it.each([
    "2021-09-01 00:00:00Z",
    "2021-09-01T24:00:00Z",
    "2021-13-01T00:00:00Z",
    "2021-09-01T00:00:00+25:00",
  ])("refuses %s", (text) => {
    expect(parseInvokeTime(text)).toBeUndefined();
  });
});

describe("batch-only fields", () => {
  it.each([
    ["25", "OK"],
    ["0", "OK"],
    ["1%", "OK"],
    ["100%", "OK"],
    ["101%", "InvalidParameterValue"],
    ["-1", "InvalidParameterValue"],
    ["abc", "InvalidParameterValue"],
    ["1.5%", "InvalidParameterValue"],
  ])("MaxErrors %s → %s", (maxErrors, expected) => {
    expect(codeOf({ ...valid(), MaxErrors: maxErrors })).toBe(expected);
  });

  it("reads MaxErrors as a count, or a percentage of the unique instances rounded down", () => {
    expect(maxErrorsThreshold("25", 1000)).toBe(25);
    expect(maxErrorsThreshold("1%", 10_000)).toBe(100);
    expect(maxErrorsThreshold("10%", 55)).toBe(5);
  });

  it.each([
    ["https://hooks.example.com/tat?x=1", "OK"],
    ["http://127.0.0.1:9000/hook", "OK"],
    ["ftp://hooks.example.com/", "InvalidParameterValue"],
    ["https://user:pw@hooks.example.com/", "InvalidParameterValue"],
    ["not a url", "InvalidParameterValue"],
  ])("CallbackUrl %s → %s", (url, expected) => {
    expect(codeOf({ ...valid(), CallbackUrl: url })).toBe(expected);
  });
});
