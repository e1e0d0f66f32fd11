import { type ChunkRecord, FINAL_CHUNK_STATUSES } from "@tat-bulk/batches";

/**
 * The batch's enabled invokers that fired at `atMs`, or "wait" while a call sent by then is still
 * unanswered (its invoker may have been made in time). For a ONCE time every enabled invoker fired:
 * TAT refuses one whose InvokeTime has passed (InvokeTimeExpired), so each that exists was made in
 * time, even when tat-bulk recorded it later (an ambiguous answer looked up after the time). For a
 * RECURRENCE time, the invokers of chunks that had ended by then: one recorded later was made
 * after it or within seconds before, which cannot be told apart, and is left to the next time.
 */
export function invokersAt(chunks: ReadonlyMap<number, ChunkRecord>, atMs: number, once: boolean) {
  const all = [...chunks.values()];
  const sentInTime = (c: ChunkRecord) =>
    !FINAL_CHUNK_STATUSES.has(c.status) &&
    c.parts.some((p) => p.firstSentAt !== undefined && p.firstSentAt <= atMs);
  if (once && all.some(sentInTime)) return "wait" as const;
  return all
    .filter((c) => once || (c.doneAt !== undefined && c.doneAt <= atMs))
    .flatMap((c) => c.invokers.filter((v) => v.state === "ENABLED"))
    .map((v) => ({ invokerId: v.invokerId, instanceIds: v.instanceIds }));
}
