import type { ChunkPart, ChunkRecord } from "@tat-bulk/batches";
import { classifyError } from "@tat-bulk/tat-api";
import { created, failed, withFailure, withFirstPart } from "./chunk-parts.js";
import { nextStep, onward, type Step } from "./chunk-step.js";
import type { ChunkJobDeps, ChunkWork } from "./chunk-work.js";
import { findPartInvoker } from "./invoker-finder.js";

/**
 * Step 1 of a chunk job, for a part whose call may have created its invoker (a crash, a timeout,
 * an ambiguous answer): look for it by the part's tag and adopt it, never send a second one.
 */
export class PartLookUp {
  constructor(
    private readonly deps: ChunkJobDeps,
    private readonly backoff: (attempt: number) => number,
  ) {}

  /** The invoker an earlier call of this part may have created (found, absent, or unknown: the look-up failed). */
  async find(work: ChunkWork, part: ChunkPart) {
    const found = await findPartInvoker(work.tat, work.request, {
      batchId: work.job.batchId,
      index: work.job.index,
      key: part.key,
      instanceIds: part.instanceIds,
      firstSentMs: part.firstSentAt ?? 0,
    });
    if ("lookalikes" in found && found.lookalikes.length > 0) {
      // Someone wrote this part's tag on an invoker that runs something else: never adopted.
      this.deps.metrics.invokerLookalikes.inc(found.lookalikes.length);
      this.deps.logger.warn(
        { ...work.job, part: part.key, invokerIds: found.lookalikes },
        "invokers carry this part's tag but run something else: not adopted",
      );
    }
    return found;
  }

  /** Step 1: adopt the invoker an earlier call may have created, else send the part again. */
  async lookFirst(work: ChunkWork, chunk: ChunkRecord): Promise<Step> {
    const { recorder } = this.deps;
    const { job } = work;
    const part = chunk.parts[0];
    if (!part) return nextStep(chunk);
    const found = await this.find(work, part);
    let next = chunk;
    if (found.kind === "found") {
      this.deps.metrics.invokersAdopted.inc();
      next = created(chunk, found.invokerId, found.instanceIds);
    } else if (found.kind === "absent") {
      // Nothing was created: a part out of attempts fails for sure; any other goes again.
      next = withFirstPart(chunk, { ...part, mayExist: false });
    } else if (found.outage) {
      return recorder.requeue(job, chunk, chunk, this.deps.rateLimitedDelayMs, found.code);
    } else {
      const { disposition } = classifyError(found.code);
      if (disposition === "rate-limited") {
        await work.tat.penalize("DescribeInvokers");
        return recorder.requeue(job, chunk, chunk, this.deps.rateLimitedDelayMs, found.code);
      }
      const error = {
        Code: found.code,
        Message: "Could not look for an invoker created by an earlier attempt",
      };
      if (disposition === "final") next = failed(chunk, error, true);
      else {
        const retried = withFailure({ ...chunk, error }, "DescribeInvokers", found.at);
        return recorder.requeue(job, chunk, retried, this.backoff(part.attempts + 1), found.code);
      }
    }
    return onward(await recorder.save(job, chunk, next));
  }
}
