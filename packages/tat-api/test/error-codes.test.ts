import { describe, expect, it } from "vitest";
import { classifyError } from "../src/error-codes.js";

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
