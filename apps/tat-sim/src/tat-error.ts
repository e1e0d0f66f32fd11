import type { TatErrorCode } from "@tat-bulk/tat-api";

/** An API 3.0 error answer: thrown by an action, sent with HTTP 200 as Tencent Cloud does. */
export class TatError extends Error {
  constructor(
    readonly code: TatErrorCode,
    message: string,
  ) {
    super(message);
  }
}
