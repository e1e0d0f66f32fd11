import type { PendingFailure } from "@tat-bulk/batches";
import type { FailureVerdict } from "./chunk-parts.js";
import type { RateLimitedTat } from "./rate-limited-tat.js";

/**
 * Each pending failure against its endpoint + account: given back if a circuit opened since (an
 * outage's first sign), confirmed if TAT answered a call since (the failure was the part's own), else
 * undecided. Times are Redis's clock on both sides.
 */
export async function failureVerdicts(
  tat: Pick<RateLimitedTat, "lastEvents">,
  pending: readonly PendingFailure[],
): Promise<FailureVerdict[]> {
  const { openedAt, answeredAt } = await tat.lastEvents();
  return pending.map((failure) => {
    if (openedAt >= failure.at) return "refund";
    return answeredAt > failure.at ? "confirm" : "undecided";
  });
}
