import type { BatchCallFields } from "@tat-bulk/batches";
import { MAX_TAGS, TAT_BULK_TAG_PREFIX, type Tag } from "@tat-bulk/tat-api";

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
 * The batch's own tags, without any whose key is tat-bulk's (the intake refuses them; a batch
 * written before it did may still hold one, and must not pass it to TAT as if tat-bulk wrote it).
 */
const callerTags = (request: BatchCallFields): Tag[] =>
  (request.Tags ?? []).filter((tag) => !tag.Key.toLowerCase().startsWith(TAT_BULK_TAG_PREFIX));

/**
 * The request's tags plus the part's tag, when there is room. A request that already uses all 10
 * tags goes out as it came, and its invoker is recognised by content alone (see matchesPart).
 */
export function tagsForPart(request: BatchCallFields, part: PartRef): Tag[] {
  const tags = callerTags(request);
  if (tags.length >= MAX_TAGS) return tags;
  return [...tags, { Key: CHUNK_TAG_KEY, Value: chunkTagValue(part) }];
}

export interface DescribedInvoker {
  InvokerId: string;
  Name?: string;
  CommandId?: string;
  InstanceIds?: string[];
  Username?: string;
  Parameters?: string;
  ScheduleSettings?: { Policy?: string; Recurrence?: string; InvokeTime?: string };
  Tags?: Tag[];
  CreatedTime?: string;
}

/** Clock skew allowed between us and TAT when matching by content. */
const CONTENT_MATCH_SKEW_MS = 5 * 60_000;
/** What TAT runs a command as when the request names no user. */
const DEFAULT_USERNAMES = new Set(["", "root", "System"]);

export function sameJsonObject(a: string | undefined, b: string | undefined): boolean {
  const parse = (text: string | undefined): unknown => {
    try {
      return text ? JSON.parse(text) : {};
    } catch {
      return text;
    }
  };
  const canonical = (value: unknown): unknown =>
    value && typeof value === "object" && !Array.isArray(value)
      ? Object.fromEntries(
          Object.entries(value)
            .sort(([x], [y]) => x.localeCompare(y))
            .map(([k, v]) => [k, canonical(v)]),
        )
      : value;
  return JSON.stringify(canonical(parse(a))) === JSON.stringify(canonical(parse(b)));
}

/**
 * Whether the invoker runs exactly what this part asked for: same name, command, user,
 * parameters, schedule and instance set. A tag alone proves nothing: anyone can write one.
 */
export function sameContent(
  invoker: DescribedInvoker,
  request: BatchCallFields,
  instanceIds: readonly string[],
): boolean {
  if (invoker.Name !== request.Name || invoker.CommandId !== request.CommandId) return false;
  const user = invoker.Username ?? "";
  if (request.Username === undefined ? !DEFAULT_USERNAMES.has(user) : user !== request.Username) return false;
  if (!sameJsonObject(invoker.Parameters, request.Parameters)) return false;
  const theirs = invoker.ScheduleSettings ?? {};
  const ours = request.ScheduleSettings;
  if (theirs.Policy !== ours.Policy) return false;
  if (ours.Policy === "RECURRENCE" && theirs.Recurrence?.trim() !== ours.Recurrence?.trim()) return false;
  if (ours.Policy === "ONCE" && Date.parse(theirs.InvokeTime ?? "") !== Date.parse(ours.InvokeTime ?? "")) {
    return false;
  }
  const sortedTheirs = [...(invoker.InstanceIds ?? [])].sort();
  const sortedOurs = [...instanceIds].sort();
  return sortedTheirs.length === sortedOurs.length && sortedTheirs.every((id, i) => id === sortedOurs[i]);
}

/**
 * Is this invoker the one an earlier call of the part created? `match`: it carries the part's tag
 * and runs exactly what the part asked for; or, when the request left no room for the tag, it
 * runs exactly that and was created no earlier than the part's first send. `lookalike`: it carries
 * the part's tag and runs something else (someone wrote the tag): never adopted, and reported.
 * Within one batch no two parts share an instance, so content identifies the part; an identical
 * request from outside tat-bulk in the same minutes could be mistaken for a tagless one, which the
 * docs/architecture.md states.
 */
export function matchesPart(
  invoker: DescribedInvoker,
  request: BatchCallFields,
  part: PartRef & { instanceIds: readonly string[]; firstSentMs: number },
): "match" | "lookalike" | "no" {
  const tagged = invoker.Tags?.some((t) => t.Key === CHUNK_TAG_KEY && t.Value === chunkTagValue(part));
  if (tagged) return sameContent(invoker, request, part.instanceIds) ? "match" : "lookalike";
  if (callerTags(request).length < MAX_TAGS) return "no";
  const created = Date.parse(invoker.CreatedTime ?? "");
  if (!(created >= part.firstSentMs - CONTENT_MATCH_SKEW_MS)) return "no";
  return sameContent(invoker, request, part.instanceIds) ? "match" : "no";
}
