import type { BatchCallFields } from "@tat-bulk/batches";
import { type DescribedInvoker, matchesPart, type PartRef } from "./chunk-identity.js";
import type { RateLimitedTat } from "./rate-limited-tat.js";

const PAGE = 100;

export type FindResult =
  | { kind: "found"; invokerId: string; instanceIds: string[] }
  | { kind: "absent" }
  /** `outage`: the look failed because TAT is unavailable (its circuit is open); `at`: when. */
  | { kind: "unknown"; code: string; outage: boolean; at: number };

/**
 * Looks for the invoker an earlier call of this part may have created: DescribeInvokers by
 * command-id, every page (TAT lists newest first, so invokers created while we page push older
 * ones to later pages: some are read twice, none is missed), under DescribeInvokers' own limit.
 */
export async function findPartInvoker(
  tat: RateLimitedTat,
  request: BatchCallFields,
  part: PartRef & { instanceIds: readonly string[]; firstSentMs: number },
): Promise<FindResult> {
  let total = Number.POSITIVE_INFINITY;
  for (let offset = 0; offset < total; offset += PAGE) {
    const page = await tat.call<{ TotalCount: number; InvokerSet: DescribedInvoker[] }>(
      "DescribeInvokers",
      request.Region,
      { Filters: [{ Name: "command-id", Values: [request.CommandId] }], Limit: PAGE, Offset: offset },
    );
    if (!page) return { kind: "unknown", code: "Cancelled", outage: true, at: 0 };
    if (!page.ok) return { kind: "unknown", code: page.code, outage: page.outage, at: page.at };
    total = page.response.TotalCount;
    const match = page.response.InvokerSet.find((invoker) => matchesPart(invoker, request, part));
    if (match) return { kind: "found", invokerId: match.InvokerId, instanceIds: match.InstanceIds ?? [] };
    if (page.response.InvokerSet.length === 0) break;
  }
  return { kind: "absent" };
}
