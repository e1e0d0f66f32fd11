import type { ChunkError } from "@tat-bulk/batches";
import { classifyError } from "@tat-bulk/tat-api";
import type { TatAnswer } from "./rate-limited-tat.js";

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
  | { kind: "retry"; error: ChunkError; mayExist: boolean }
  /** TAT is unavailable (its circuit is open): goes again once it answers, costing no attempt. */
  | { kind: "paused"; error: ChunkError; mayExist: boolean };

function chunkError(result: { code: string; message: string; requestId?: string }): ChunkError {
  return {
    Code: result.code,
    Message: result.message.slice(0, 1000),
    ...(result.requestId ? { RequestId: result.requestId } : {}),
  };
}

/**
 * A retryable failure goes again after a backoff, and the chunk job's next step decides whether
 * attempts are left (after giving the attempt back if TAT's circuit opened meanwhile: the failure
 * was an outage's first sign). A retryable failure during an outage costs nothing.
 */
export function callOutcome(
  result: TatAnswer<{ InvokerId: string }>,
  context: { mayExistBefore: boolean },
): CallOutcome {
  if (result.ok) return { kind: "created", invokerId: result.response.InvokerId };
  const error = chunkError(result);
  const { disposition, mayHaveCreated } = classifyError(result.code);
  if (disposition === "rate-limited") return { kind: "rate-limited", code: result.code };
  if (disposition === "instance") return { kind: "instance", error };
  if (disposition === "final") return { kind: "final", error };
  const mayExist = mayHaveCreated || context.mayExistBefore;
  if (result.outage) return { kind: "paused", error, mayExist };
  return { kind: "retry", error, mayExist };
}
