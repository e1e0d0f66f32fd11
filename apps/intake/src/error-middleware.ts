import { isRedisOutOfMemory, isRedisUnavailable } from "@tat-bulk/redis";
import type { ErrorRequestHandler, RequestHandler } from "express";
import { ApiError, apiError } from "./api-error.js";

interface BodyParserError {
  type?: string;
  status?: number;
}

/** How long a caller should wait before trying again while Redis is unreachable (a restart takes seconds). */
const REDIS_RETRY_AFTER_SECONDS = 5;

function asApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  if (isRedisUnavailable(error)) {
    return new ApiError(503, "ServiceUnavailable", "The batch store is unreachable; try again shortly", {
      "Retry-After": String(REDIS_RETRY_AFTER_SECONDS),
    });
  }
  if (isRedisOutOfMemory(error)) {
    // Redis refused a write at its maxmemory (the watermark did not catch it in time): nothing of
    // the batch was kept (the writer rolls back), and the caller can try again later.
    return apiError("ResourceInsufficient.Memory", "The batch store is full; try again later", {
      "Retry-After": String(REDIS_RETRY_AFTER_SECONDS),
    });
  }
  const parserError = error as BodyParserError;
  if (parserError?.type === "entity.too.large") {
    return apiError("RequestSizeLimitExceeded", "The request body is larger than the limit");
  }
  if (parserError?.type === "entity.parse.failed")
    return apiError("InvalidParameter", "The body is not valid JSON");
  if (typeof parserError?.status === "number" && parserError.status >= 400 && parserError.status < 500) {
    return apiError("InvalidParameter", "The request could not be read");
  }
  return new ApiError(500, "InternalError", "Internal error; try again later");
}

/** The one place an error becomes an answer: TAT's error shape, no stack trace, never HTML. */
export const errorMiddleware: ErrorRequestHandler = (error, req, res, _next) => {
  const apiErr = asApiError(error);
  if (apiErr.status >= 500) req.log.error({ err: error }, "request failed");
  res.set(apiErr.headers);
  res.locals.errorCode = apiErr.code;
  res.status(apiErr.status).json({
    Error: { Code: apiErr.code, Message: apiErr.message },
    RequestId: req.id,
  });
};

export const notFound: RequestHandler = (req, _res, next) => {
  next(apiError("InvalidAction", `No route ${req.method} ${req.path}`));
};
