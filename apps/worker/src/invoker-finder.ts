import type { BatchCallFields } from "@tat-bulk/batches";
import { type DescribedInvoker, matchesPart, type PartRef } from "./chunk-identity.js";
import type { RateLimitedTat } from "./rate-limited-tat.js";

const PAGE = 100;

export type FindResult =
  | { kind: "found"; invokerId: string; instanceIds: string[]; lookalikes: string[] }
  | { kind: "absent"; lookalikes: string[] }
  /** `outage`: the look failed because TAT is unavailable (its circuit is open); `at`: when. */
  | { kind: "unknown"; code: string; outage: boolean; at: number };

/**
 * Looks for the invoker an earlier call of this part may have created: DescribeInvokers by
 * command-id, every page (TAT lists newest first, so invokers created while we page push older
 * ones to later pages: some are read twice, none is missed), under DescribeInvokers' own limit.
 * Invokers that carry the part's tag but run something else are never adopted: they are answered as
 * `lookalikes` for the caller to report.
 */
export async function findPartInvoker(
  tat: RateLimitedTat,
  request: BatchCallFields,
  part: PartRef & { instanceIds: readonly string[]; firstSentMs: number },
): Promise<FindResult> {
  let total = Number.POSITIVE_INFINITY;
  const lookalikes = new Set<string>();
  for (let offset = 0; offset < total; offset += PAGE) {
    const page = await tat.call<{ TotalCount: number; InvokerSet: DescribedInvoker[] }>(
      "DescribeInvokers",
      request.Region,
      { Filters: [{ Name: "command-id", Values: [request.CommandId] }], Limit: PAGE, Offset: offset },
    );
    if (!page.ok) return { kind: "unknown", code: page.code, outage: page.outage, at: page.at };
    total = page.response.TotalCount;
    for (const invoker of page.response.InvokerSet) {
      const verdict = matchesPart(invoker, request, part);
      if (verdict === "lookalike") lookalikes.add(invoker.InvokerId);
      if (verdict === "match") {
        return {
          kind: "found",
          invokerId: invoker.InvokerId,
          instanceIds: invoker.InstanceIds ?? [],
          lookalikes: [...lookalikes],
        };
      }
    }
    if (page.response.InvokerSet.length === 0) break;
  }
  return { kind: "absent", lookalikes: [...lookalikes] };
}
