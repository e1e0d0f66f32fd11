import { describe, expect, it } from "vitest";
import { classifyError, isBatchWide } from "../src/error-codes.js";

describe("classifyError", () => {
  // Literal expectations, code by code: the table is the contract the worker acts on.
  const cases: ReadonlyArray<[string, string, boolean]> = [
    ["RequestLimitExceeded", "rate-limited", false],
    ["RequestLimitExceeded.UinLimitExceeded", "rate-limited", false],
    ["RequestLimitExceeded.IPLimitExceeded", "rate-limited", false],
    ["RequestLimitExceeded.GlobalRegionUinLimitExceeded", "rate-limited", false],
    ["InternalError", "retryable", true],
    ["InternalError.Something", "retryable", true],
    ["ServiceUnavailable", "retryable", true],
    ["Timeout", "retryable", true],
    ["NetworkError", "retryable", true],
    ["HttpError", "retryable", true],
    ["InvalidResponse", "retryable", true],
    ["ConnectionRefused", "retryable", false],
    ["InvalidParameter", "final", false],
    ["InvalidParameterValue", "final", false],
    ["InvalidParameterValue.InconsistentInstance", "final", false],
    ["InvalidParameterValue.InvokeTimeExpired", "final", false],
    ["MissingParameter", "final", false],
    ["UnknownParameter", "final", false],
    ["ResourceNotFound.CommandNotFound", "final", false],
    ["ResourceNotFound.InstanceNotFound", "instance", false],
    ["ResourceUnavailable.AgentNotInstalled", "instance", false],
    ["ResourceUnavailable.AgentStatusNotOnline", "instance", false],
    ["AuthFailure", "final", false],
    ["AuthFailure.SignatureFailure", "final", false],
    ["AuthFailure.SecretIdNotFound", "final", false],
    ["UnauthorizedOperation", "final", false],
    ["UnauthorizedOperation.Something", "final", false],
    ["InvalidAction", "final", false],
    ["SomethingNobodyListed", "final", false],
    ["RequestLimitExceededButNotReally", "final", false],
  ];
  it.each(cases)("%s is %s (may have created: %s)", (code, disposition, mayHaveCreated) => {
    expect(classifyError(code)).toEqual({ disposition, mayHaveCreated });
  });
});

describe("isBatchWide", () => {
  // Code by code: the first of these ends the whole batch, so the list is a contract too.
  const cases: ReadonlyArray<[string, boolean]> = [
    ["AuthFailure", true],
    ["AuthFailure.SignatureFailure", true],
    ["AuthFailure.SecretIdNotFound", true],
    ["AuthFailure.UnauthorizedOperation", true],
    ["UnauthorizedOperation", true],
    ["UnauthorizedOperation.CamNoAuth", true],
    ["ResourceNotFound.CommandNotFound", true],
    ["InvalidParameter", true],
    ["InvalidParameterValue", true],
    ["InvalidParameterValue.InvalidCommandId", true],
    ["InvalidParameterValue.ParameterDisabled", true],
    ["InvalidParameterValue.ParameterInvalidJsonFormat", true],
    ["InvalidParameterValue.InvalidCronExpression", true],
    ["InvalidParameterValue.InvalidTimeFormat", true],
    ["InvalidParameterValue.InvokeTimeExpired", true],
    ["InvalidParameterValue.TooLong", true],
    ["UnknownParameter", true],
    ["MissingParameter", true],
    ["UnsupportedRegion", true],
    ["InvalidAction", true],
    ["NoSuchVersion", true],
    ["InvalidParameterValue.InvalidInstanceId", false],
    ["InvalidParameterValue.InconsistentInstance", false],
    ["ResourceNotFound.InstanceNotFound", false],
    ["ResourceUnavailable.AgentStatusNotOnline", false],
    ["ResourceUnavailable.AgentNotInstalled", false],
    ["InternalError", false],
    ["RequestLimitExceeded", false],
    ["Timeout", false],
    ["AuthFailureButNotReally", false],
  ];
  it.each(cases)("%s: %s", (code, batchWide) => {
    expect(isBatchWide(code)).toBe(batchWide);
  });
});
