import type { ChunkError } from "@tat-bulk/batches";
import { classifyError } from "@tat-bulk/tat-api";
import type { TatCallResult } from "@tat-bulk/tat-client";

/**
 * What a CreateInvoker answer means for the part it sent, decided in one place from the error table
 * (packages/tat-api/src/error-codes.ts) and the part's attempts.
 */
export type CallOutcome =
  | { kind: "created"; invokerId: string }
  /** RequestLimitExceeded: refused before anything happened; goes again, costing no attempt. */
  | { kind: "rate-limited"; code: string }
  /** One of the part's instances is unusable, TAT does not say which; nothing was created. */
  | { kind: "instance"; error: ChunkError }
  | { kind: "final"; error: ChunkError }
  /** Goes again after a backoff; `mayExist`: look for the invoker first. */
  | { kind: "retry"; error: ChunkError; mayExist: boolean };

function chunkError(result: { code: string; message: string; requestId?: string }): ChunkError {
  return {
    Code: result.code,
    Message: result.message.slice(0, 1000),
    ...(result.requestId ? { RequestId: result.requestId } : {}),
  };
}

/**
 * `attempts` counts this call. A retryable failure with no attempt left is final, unless the
 * invoker may exist: that one still gets its look after the backoff, then fails if nothing is there.
 */
export function callOutcome(
  result: TatCallResult<{ InvokerId: string }>,
  context: { mayExistBefore: boolean; attempts: number; maxAttempts: number },
): CallOutcome {
  if (result.ok) return { kind: "created", invokerId: result.response.InvokerId };
  const error = chunkError(result);
  const { disposition, mayHaveCreated } = classifyError(result.code);
  if (disposition === "rate-limited") return { kind: "rate-limited", code: result.code };
  if (disposition === "instance") return { kind: "instance", error };
  if (disposition === "final") return { kind: "final", error };
  const mayExist = mayHaveCreated || context.mayExistBefore;
  if (context.attempts >= context.maxAttempts && !mayExist) return { kind: "final", error };
  return { kind: "retry", error, mayExist };
}
