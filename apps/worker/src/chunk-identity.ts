import type { BatchCallFields } from "@tat-bulk/batches";
import { MAX_TAGS, type Tag } from "@tat-bulk/tat-api";

/** The tag that names the chunk part an invoker was created for: how a retry finds it again. */
export const CHUNK_TAG_KEY = "tat-bulk-chunk";

/** Which part of which chunk of which batch: `<batch>/<index>`, and `/<key>` for a part after a split or retry. */
export interface PartRef {
  batchId: string;
  index: number;
  key: string;
}

export const chunkTagValue = (part: PartRef) =>
  `${part.batchId}/${part.index}${part.key ? `/${part.key}` : ""}`;

/**
 * The request's tags plus the part's tag, when there is room. A request that already uses all 10
 * tags goes out as it came, and its invoker is recognised by content instead (see matchesPart).
 */
export function tagsForPart(request: BatchCallFields, part: PartRef): Tag[] {
  const tags = request.Tags ?? [];
  if (tags.length >= MAX_TAGS) return tags;
  return [...tags, { Key: CHUNK_TAG_KEY, Value: chunkTagValue(part) }];
}

export interface DescribedInvoker {
  InvokerId: string;
  Name?: string;
  CommandId?: string;
  InstanceIds?: string[];
  Tags?: Tag[];
  CreatedTime?: string;
}

/** Clock skew allowed between us and TAT when matching by content. */
const CONTENT_MATCH_SKEW_MS = 5 * 60_000;

/**
 * Is this invoker the one an earlier call of the part created? By the part's tag when it could
 * carry one; otherwise by content: same name, command and exact instance set, created no earlier
 * than the part's first send. Within one batch no two parts share an instance, so that identifies
 * the part; an identical request from outside tat-bulk in the same minutes could be mistaken for
 * it, which the README states.
 */
export function matchesPart(
  invoker: DescribedInvoker,
  request: BatchCallFields,
  part: PartRef & { instanceIds: readonly string[]; firstSentMs: number },
): boolean {
  const tag = invoker.Tags?.find((t) => t.Key === CHUNK_TAG_KEY);
  if (tag) return tag.Value === chunkTagValue(part);
  if ((request.Tags?.length ?? 0) < MAX_TAGS) return false;
  if (invoker.Name !== request.Name || invoker.CommandId !== request.CommandId) return false;
  const created = Date.parse(invoker.CreatedTime ?? "");
  if (!(created >= part.firstSentMs - CONTENT_MATCH_SKEW_MS)) return false;
  const theirs = [...(invoker.InstanceIds ?? [])].sort();
  const ours = [...part.instanceIds].sort();
  return theirs.length === ours.length && theirs.every((id, i) => id === ours[i]);
}
