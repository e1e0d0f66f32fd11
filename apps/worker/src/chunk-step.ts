import type { ChunkRecord } from "@tat-bulk/batches";

/**
 * The chunk pipeline's shared vocabulary (chunk-job.ts drives the steps, part-sender.ts is one of
 * them, chunk-recorder.ts stores what they decide): every result is a `kind`-tagged object, and a
 * step hands the chunk as stored to the next one instead of leaving it in a shared holder.
 */

/** How a chunk job ends: done with the chunk (final, or someone else's now), or again after `delayMs`. */
export type ChunkOutcome = { kind: "done" } | { kind: "retry"; delayMs: number };
export const DONE: ChunkOutcome = { kind: "done" };
export const retryIn = (delayMs: number): ChunkOutcome => ({ kind: "retry", delayMs });

/** A step's end: the job's outcome, or the next step, from the chunk as it is stored now. */
export type Step = ChunkOutcome | { kind: "next"; chunk: ChunkRecord };
export const nextStep = (chunk: ChunkRecord): Step => ({ kind: "next", chunk });

/**
 * A chunk write: stored (and the record as stored), refused because the batch is stopping (asked
 * only before a send), or lost to another writer (the chunk's state is what the winner wrote).
 */
export type Saved = { kind: "saved"; chunk: ChunkRecord } | { kind: "stopped" } | { kind: "lost" };

/** On to the next step with what was stored; the job ends when the write did not happen. */
export const onward = (saved: Saved): Step => (saved.kind === "saved" ? nextStep(saved.chunk) : DONE);
