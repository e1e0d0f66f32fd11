import { CHUNK_STATUSES, type ChunkStatus, type InstanceStatus, type InstanceView } from "./batch-types.js";
import type { ChunkRecord } from "./chunk-record.js";
import { instanceViews } from "./chunk-view.js";

/**
 * Each chunk's instances counted by outcome, and its status, beside its record in the chunks hash
 * (field `n:<index>`, "succeeded,failed,cancelled,pending,STATUS"), written in the same step as the
 * record: an instances page, or a chunks page of one status, finds what it shows from these small
 * fields and decodes only those records. (Entries written before the status was added have four
 * numbers only: pages of such a batch scan its records instead.)
 */
const COUNTS_PREFIX = "n:";
const ORDER: readonly InstanceStatus[] = ["SUCCEEDED", "FAILED", "CANCELLED", "PENDING"];

export const countsField = (index: number) => `${COUNTS_PREFIX}${index}`;
/** A field of the chunks hash that holds a chunk's record (not its counts). */
export const isRecordField = (field: string) => !field.startsWith(COUNTS_PREFIX);

export type OutcomeCounts = Readonly<Record<InstanceStatus, number>>;

/** A chunk's instances by outcome, from its views (instanceViews). */
export function countViews(views: readonly InstanceView[]): OutcomeCounts {
  const counts: Record<InstanceStatus, number> = { SUCCEEDED: 0, FAILED: 0, CANCELLED: 0, PENDING: 0 };
  for (const view of views) counts[view.Status]++;
  return counts;
}

export const outcomeCounts = (chunk: ChunkRecord): OutcomeCounts => countViews(instanceViews(chunk));

/** A new chunk's counts: every instance pending (without building its views: the intake's hot path). */
export const allPending = (instances: number): OutcomeCounts => ({
  SUCCEEDED: 0,
  FAILED: 0,
  CANCELLED: 0,
  PENDING: instances,
});

export const encodeCounts = (counts: OutcomeCounts) => ORDER.map((status) => counts[status]).join(",");

/** A chunk's index entry: its outcome counts and its status. */
export interface IndexEntry {
  counts: OutcomeCounts;
  /** Undefined in an entry written before statuses were indexed. */
  status: ChunkStatus | undefined;
}

export const encodeEntry = (counts: OutcomeCounts, status: ChunkStatus) =>
  `${encodeCounts(counts)},${status}`;
/** The entry written with a chunk's record. */
export const indexEntry = (chunk: ChunkRecord) => encodeEntry(outcomeCounts(chunk), chunk.status);

const isChunkStatus = (text: string | undefined): text is ChunkStatus =>
  (CHUNK_STATUSES as readonly (string | undefined)[]).includes(text);

export function decodeEntry(text: string | null | undefined): IndexEntry | undefined {
  const fields = text?.split(",");
  if (!fields || fields.length < ORDER.length || fields.length > ORDER.length + 1) return undefined;
  const numbers = fields.slice(0, ORDER.length).map(Number);
  if (numbers.some((n) => !Number.isInteger(n) || n < 0)) return undefined;
  const status = fields[ORDER.length];
  if (status !== undefined && !isChunkStatus(status)) return undefined;
  return {
    counts: {
      SUCCEEDED: numbers[0] ?? 0,
      FAILED: numbers[1] ?? 0,
      CANCELLED: numbers[2] ?? 0,
      PENDING: numbers[3] ?? 0,
    },
    status,
  };
}

const sizeOf = (counts: OutcomeCounts, status?: InstanceStatus) =>
  status ? counts[status] : ORDER.reduce((sum, s) => sum + counts[s], 0);

/**
 * The chunks an instances page shows (in order), where the page starts in the first of them, and
 * how many instances match in all.
 */
export function planPage(
  counts: readonly OutcomeCounts[],
  query: { offset: number; limit: number; status?: InstanceStatus },
): { total: number; chunks: number[]; skip: number } {
  const chunks: number[] = [];
  let seen = 0;
  let skip = 0;
  const end = query.offset + query.limit;
  counts.forEach((c, index) => {
    const n = sizeOf(c, query.status);
    if (n > 0 && seen + n > query.offset && seen < end) {
      if (chunks.length === 0) skip = query.offset - seen;
      chunks.push(index);
    }
    seen += n;
  });
  return { total: seen, chunks, skip };
}
