/** An error the intake answers as `{"Error": {"Code", "Message"}, "RequestId"}`; thrown anywhere, sent by one middleware. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** Extra response headers, such as Retry-After. */
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
  }
}

/** The HTTP status a TAT-style code is answered with. */
function statusForCode(code: string): number {
  // The service, not the request: Redis too full, or no replica confirmed the write.
  if (code === "ResourceInsufficient.Memory" || code === "ResourceUnavailable.Replica") return 503;
  if (code.startsWith("AuthFailure")) return 401;
  if (code.startsWith("UnauthorizedOperation")) return 403;
  if (code === "RequestLimitExceeded" || code.startsWith("LimitExceeded")) return 429;
  if (code.startsWith("ResourceNotFound")) return 404;
  if (code === "InvalidParameter.IdempotencyKeyReused") return 409;
  if (code.startsWith("FailedOperation")) return 409;
  if (code === "RequestSizeLimitExceeded") return 413;
  return 400;
}

export const apiError = (code: string, message: string, headers?: Record<string, string>) =>
  new ApiError(statusForCode(code), code, message, headers);
