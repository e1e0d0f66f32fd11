import type { ChunkError, ChunkPart, ChunkRecord, FailedInstance } from "@tat-bulk/batches";

/**
 * Pure steps on a chunk's parts, each answering the next record: the chunk job decides which to
 * take, the recorder stores the result. The first part is the one being worked on.
 */

function first(chunk: ChunkRecord): ChunkPart {
  const part = chunk.parts[0];
  if (!part) throw new Error("the chunk has no part left");
  return part;
}

export function withFirstPart(chunk: ChunkRecord, part: ChunkPart): ChunkRecord {
  return { ...chunk, parts: [part, ...chunk.parts.slice(1)] };
}

/** The first part's invoker exists (created, or found after an uncertain call): its instances succeeded. */
export function created(
  chunk: ChunkRecord,
  invokerId: string,
  instanceIds = first(chunk).instanceIds,
): ChunkRecord {
  const part = first(chunk);
  const covered = new Set(instanceIds);
  const rest = part.instanceIds.filter((id) => !covered.has(id));
  // An invoker found by tag whose instances differ from the part's (it was narrowed since): what it
  // does not cover stays to send, under a key of its own.
  const remaining = rest.length
    ? [{ ...part, key: `${part.key}${part.key ? "." : ""}x`, instanceIds: rest, mayExist: false }]
    : [];
  const inInvoker = part.instanceIds.filter((id) => covered.has(id));
  return {
    ...chunk,
    parts: [...remaining, ...chunk.parts.slice(1)],
    invokers: [...chunk.invokers, { invokerId, instanceIds: inInvoker, state: "ENABLED" }],
  };
}

/** The first part's instances failed with this error. `uncertain`: its invoker may exist after all. */
export function failed(chunk: ChunkRecord, error: ChunkError, uncertain = false): ChunkRecord {
  const part = first(chunk);
  const entries: FailedInstance[] = part.instanceIds.map((instanceId) => ({
    instanceId,
    code: error.Code,
    message: error.Message,
    ...(uncertain ? { uncertainPart: part.key } : {}),
  }));
  return { ...chunk, error, parts: chunk.parts.slice(1), failed: [...chunk.failed, ...entries] };
}

/** Every part left fails with this error (an error that is the same for all of them). */
export function allFailed(chunk: ChunkRecord, error: ChunkError): ChunkRecord {
  let next = chunk;
  while (next.parts.length) next = failed(next, error);
  return next;
}

/** The first part narrowed to the instances an agent check found online; the others set aside. */
export function checked(
  chunk: ChunkRecord,
  online: string[],
  setAside: FailedInstance[],
  how: "checked" | "rechecked",
): ChunkRecord {
  const part = { ...first(chunk), instanceIds: online, [how]: true };
  const parts = online.length ? [part, ...chunk.parts.slice(1)] : chunk.parts.slice(1);
  return { ...chunk, parts, failed: [...chunk.failed, ...setAside] };
}

/**
 * The first part in two halves, each its own call and invoker: repeated, at most about
 * 2·log2(100) extra calls isolate one bad instance. Halves are not checked again.
 */
export function split(chunk: ChunkRecord): ChunkRecord {
  const part = first(chunk);
  const middle = Math.ceil(part.instanceIds.length / 2);
  const half = (n: number, ids: string[]): ChunkPart => ({
    key: `${part.key}${part.key ? "." : ""}${n}`,
    instanceIds: ids,
    checked: true,
    rechecked: true,
    attempts: 0,
    mayExist: false,
  });
  return {
    ...chunk,
    parts: [
      half(0, part.instanceIds.slice(0, middle)),
      half(1, part.instanceIds.slice(middle)),
      ...chunk.parts.slice(1),
    ],
  };
}

/**
 * A chunk still RUNNING when a job picks it up lost its call with its worker: that call counts, and
 * the part it sent (the first that may exist) is looked up before anything is sent again.
 */
export function afterLostCall(chunk: ChunkRecord): ChunkRecord {
  const index = chunk.parts.findIndex((part) => part.mayExist);
  if (index < 0) return { ...chunk, status: "QUEUED" };
  const parts = chunk.parts.map((part, i) => (i === index ? { ...part, attempts: part.attempts + 1 } : part));
  return { ...chunk, status: "QUEUED", attempts: chunk.attempts + 1, parts };
}

/**
 * The first part after one more retryable failure of `action` at `at`: it counts as an attempt (the
 * chunk's Attempts counts CreateInvoker's), and stays refundable until decided (see PendingFailure).
 */
export function withFailure(
  chunk: ChunkRecord,
  action: string,
  at: number,
  changes: Partial<ChunkPart> = {},
): ChunkRecord {
  const part = first(chunk);
  const pendingFailures = [...(part.pendingFailures ?? []), { action, at }];
  const creates = action === "CreateInvoker" ? 1 : 0;
  return withFirstPart(
    { ...chunk, attempts: chunk.attempts + creates },
    { ...part, ...changes, attempts: part.attempts + 1, pendingFailures },
  );
}

export type FailureVerdict = "refund" | "confirm" | "undecided";

/** The first part's pending failures decided: refunded ones give their attempt back; decided ones leave the list. */
export function settled(chunk: ChunkRecord, verdicts: readonly FailureVerdict[]): ChunkRecord {
  const part = first(chunk);
  const pending = part.pendingFailures ?? [];
  const refunded = pending.filter((_, i) => verdicts[i] === "refund");
  const undecided = pending.filter((_, i) => verdicts[i] === "undecided");
  const { pendingFailures: _p, ...rest } = part;
  const creates = refunded.filter((f) => f.action === "CreateInvoker").length;
  return withFirstPart(
    { ...chunk, attempts: Math.max(0, chunk.attempts - creates) },
    {
      ...rest,
      attempts: Math.max(0, part.attempts - refunded.length),
      ...(undecided.length ? { pendingFailures: undecided } : {}),
    },
  );
}

/** The first part's counts after a call that counted. */
export function counted(chunk: ChunkRecord, changes: Partial<ChunkPart> = {}): ChunkRecord {
  const part = first(chunk);
  return withFirstPart(
    { ...chunk, attempts: chunk.attempts + 1 },
    { ...part, attempts: part.attempts + 1, ...changes },
  );
}
