/**
 * Every error code tat-bulk acts on, and the one place that decides what a code means for a chunk.
 * TAT's own codes come from the CreateInvoker page and API 3.0's common codes; the transport codes
 * are ours, for failures that never produced a TAT answer.
 */
export const TAT_ERROR_CODES = [
  "AuthFailure",
  "AuthFailure.InvalidAuthorization",
  "AuthFailure.InvalidSecretId",
  "AuthFailure.MFAFailure",
  "AuthFailure.SecretIdNotFound",
  "AuthFailure.SignatureExpire",
  "AuthFailure.SignatureFailure",
  "AuthFailure.TokenFailure",
  "AuthFailure.UnauthorizedOperation",
  "UnauthorizedOperation",
  "InternalError",
  "ServiceUnavailable",
  "InvalidAction",
  "NoSuchVersion",
  "UnknownParameter",
  "MissingParameter",
  "RequestSizeLimitExceeded",
  "UnsupportedRegion",
  "RequestLimitExceeded",
  "RequestLimitExceeded.UinLimitExceeded",
  "RequestLimitExceeded.IPLimitExceeded",
  "RequestLimitExceeded.GlobalRegionUinLimitExceeded",
  "InvalidParameter",
  "InvalidParameter.IdempotencyKeyReused",
  "InvalidParameterValue",
  "InvalidParameterValue.ID",
  "InvalidParameterValue.InconsistentID",
  "InvalidParameterValue.InconsistentInstance",
  "InvalidParameterValue.InvalidCommandId",
  "InvalidParameterValue.InvalidCronExpression",
  "InvalidParameterValue.InvalidInstanceId",
  "InvalidParameterValue.InvalidInvokerId",
  "InvalidParameterValue.InvalidTimeFormat",
  "InvalidParameterValue.InvokeTimeExpired",
  "InvalidParameterValue.ParameterDisabled",
  "InvalidParameterValue.ParameterInvalidJsonFormat",
  "InvalidParameterValue.Range",
  /** tat-bulk's own: a batch's tag key starting with tat-bulk (its chunk tags are its own). */
  "InvalidParameterValue.TagKeyReserved",
  "InvalidParameterValue.TooLong",
  "ResourceNotFound",
  "ResourceNotFound.CommandNotFound",
  "ResourceNotFound.InstanceNotFound",
  "ResourceNotFound.InvokerNotFound",
  "ResourceUnavailable.AgentNotInstalled",
  "ResourceUnavailable.AgentStatusNotOnline",
] as const;

export type TatErrorCode = (typeof TAT_ERROR_CODES)[number];

/** Failures with no TAT answer behind them; used as `code` in metrics and chunk errors. */
export const TRANSPORT_ERROR_CODES = [
  "Timeout",
  "ConnectionRefused",
  "NetworkError",
  "HttpError",
  "InvalidResponse",
] as const;
export type TransportErrorCode = (typeof TRANSPORT_ERROR_CODES)[number];

/**
 * - `rate-limited`: the call was refused before anything happened; go again without spending an attempt.
 * - `retryable`: spend an attempt and go again after a backoff.
 * - `instance`: one of the call's instances is unusable (TAT does not say which) and nothing was
 *   done: set it aside, by checking agents again or splitting the call, and send the rest.
 * - `final`: record and stop.
 */
export type ErrorDisposition = "rate-limited" | "retryable" | "instance" | "final";

export interface ErrorClassification {
  disposition: ErrorDisposition;
  /** The call may have reached TAT and created the invoker: look for it before creating again. */
  mayHaveCreated: boolean;
}

const RATE_LIMITED: ErrorClassification = { disposition: "rate-limited", mayHaveCreated: false };
const FINAL: ErrorClassification = { disposition: "final", mayHaveCreated: false };
const RETRY_AMBIGUOUS: ErrorClassification = { disposition: "retryable", mayHaveCreated: true };
const RETRY_CLEAN: ErrorClassification = { disposition: "retryable", mayHaveCreated: false };
const INSTANCE: ErrorClassification = { disposition: "instance", mayHaveCreated: false };

const EXACT: Readonly<Record<string, ErrorClassification>> = {
  InternalError: RETRY_AMBIGUOUS,
  ServiceUnavailable: RETRY_AMBIGUOUS,
  Timeout: RETRY_AMBIGUOUS,
  NetworkError: RETRY_AMBIGUOUS,
  HttpError: RETRY_AMBIGUOUS,
  InvalidResponse: RETRY_AMBIGUOUS,
  // A refused connection never reached anything.
  ConnectionRefused: RETRY_CLEAN,
  "ResourceNotFound.InstanceNotFound": INSTANCE,
  "ResourceUnavailable.AgentNotInstalled": INSTANCE,
  "ResourceUnavailable.AgentStatusNotOnline": INSTANCE,
};

/**
 * tat-bulk's code for an instance the agent check did not report at all: it has no agent, or it
 * does not exist (DescribeAutomationAgentStatus does not say which).
 */
export const AGENT_NOT_REPORTED = "ResourceUnavailable.AgentNotReported";

/** Sub-codes inherit their family's meaning (`RequestLimitExceeded.UinLimitExceeded`, `InternalError.X`). */
const FAMILIES: ReadonlyArray<readonly [string, ErrorClassification]> = [
  ["RequestLimitExceeded", RATE_LIMITED],
  ["InternalError", RETRY_AMBIGUOUS],
  ["ServiceUnavailable", RETRY_AMBIGUOUS],
];

/** What a chunk does with a code. Anything not listed, TAT's or unknown, is final and recorded as it came. */
export function classifyError(code: string): ErrorClassification {
  const exact = EXACT[code];
  if (exact) return exact;
  for (const [family, classification] of FAMILIES) {
    if (code === family || code.startsWith(`${family}.`)) return classification;
  }
  return FINAL;
}

/**
 * Codes that fail every chunk of a batch the same way: the credentials, the command, or the request
 * itself. The first such answer ends the batch: no further call is made for it. Instance-level and
 * transient codes are not here.
 */
const BATCH_WIDE_EXACT: ReadonlySet<string> = new Set([
  "ResourceNotFound.CommandNotFound",
  "InvalidParameter",
  "InvalidParameterValue",
  "InvalidParameterValue.InvalidCommandId",
  "InvalidParameterValue.ParameterDisabled",
  "InvalidParameterValue.ParameterInvalidJsonFormat",
  "InvalidParameterValue.InvalidCronExpression",
  "InvalidParameterValue.InvalidTimeFormat",
  "InvalidParameterValue.InvokeTimeExpired",
  "InvalidParameterValue.TooLong",
  "UnknownParameter",
  "MissingParameter",
  "UnsupportedRegion",
  "InvalidAction",
  "NoSuchVersion",
  // tat-bulk's own: the batch names an account the workers do not have.
  "InvalidParameterValue.Account",
]);
const BATCH_WIDE_FAMILIES = ["AuthFailure", "UnauthorizedOperation"] as const;

/** Whether a code answered for one chunk would be answered for every chunk of its batch. */
export function isBatchWide(code: string): boolean {
  if (BATCH_WIDE_EXACT.has(code)) return true;
  return BATCH_WIDE_FAMILIES.some((family) => code === family || code.startsWith(`${family}.`));
}
