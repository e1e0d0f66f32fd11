import type { ChunkRecord } from "@tat-bulk/batches";
import { isBatchWide } from "@tat-bulk/tat-api";
import { checkPartAgents } from "./agent-check.js";
import { callOutcome } from "./call-outcome.js";
import { tagsForPart } from "./chunk-identity.js";
import {
  allFailed,
  checked,
  counted,
  created,
  failed,
  split,
  withFailure,
  withFirstPart,
} from "./chunk-parts.js";
import { DONE, nextStep, onward, type Step } from "./chunk-step.js";
import type { ChunkJobDeps, ChunkWork } from "./chunk-work.js";

/** What a send leads to: a step's end, or the batch's cancel seen right before the call. */
export type SendResult = Step | { kind: "stopped" };

/**
 * Step 4 of a chunk job: the first part's CreateInvoker under the shared rate limit, and what its
 * answer does to the part. The chunk is marked RUNNING with "look first" once the call has its slot
 * and right before it leaves (refused if the batch's cancel was asked), so a crash while TAT holds
 * the call means a look-up next time, never a second invoker.
 */
export class PartSender {
  constructor(
    private readonly deps: ChunkJobDeps,
    private readonly backoff: (attempt: number) => number,
  ) {}

  async send(work: ChunkWork, chunk: ChunkRecord): Promise<SendResult> {
    const { recorder } = this.deps;
    const { job, request, tat } = work;
    const part = chunk.parts[0];
    if (!part) return nextStep(chunk);
    const params = {
      Name: request.Name,
      Type: request.Type,
      CommandId: request.CommandId,
      InstanceIds: part.instanceIds,
      ScheduleSettings: request.ScheduleSettings,
      Tags: tagsForPart(request, { batchId: job.batchId, index: job.index, key: part.key }),
      ...(request.Username !== undefined ? { Username: request.Username } : {}),
      ...(request.Parameters !== undefined ? { Parameters: request.Parameters } : {}),
    };
    const reservation = await tat.reserve("CreateInvoker");
    const sending = withFirstPart(
      { ...chunk, status: "RUNNING" },
      { ...part, mayExist: true, firstSentAt: part.firstSentAt ?? Date.now(), sentAt: Date.now() },
    );
    const marked = await recorder
      .save(job, chunk, sending, { abortIfStopping: true })
      .catch(async (error: unknown) => {
        await reservation.drop();
        throw error;
      });
    if (marked.kind !== "saved") {
      await reservation.drop();
      return marked.kind === "stopped" ? marked : DONE;
    }
    const result = await reservation.send<{ InvokerId: string }>(request.Region, params, {
      attempt: part.attempts + 1,
    });
    const sent = marked.chunk;
    const outcome = callOutcome(result, { mayExistBefore: part.mayExist });
    switch (outcome.kind) {
      case "created":
        return this.saved(work, sent, created(counted(sent), outcome.invokerId));
      case "rate-limited":
        await tat.penalize("CreateInvoker");
        // Refused before anything happened: the part is as uncertain as it was before this call.
        return recorder.requeue(
          job,
          sent,
          this.firstPartAs(sent, { mayExist: part.mayExist }),
          this.deps.rateLimitedDelayMs,
          outcome.code,
        );
      case "instance":
        return this.isolate(work, sent, outcome.error);
      case "final": {
        const done = await recorder.finish(
          job,
          sent,
          allFailed(counted(sent, { mayExist: false }), outcome.error),
        );
        if (isBatchWide(outcome.error.Code)) await recorder.stopBatch(job, outcome.error);
        return done;
      }
      case "retry": {
        const failed = withFailure(sent, "CreateInvoker", result.at, { mayExist: outcome.mayExist });
        const next = { ...failed, error: outcome.error };
        return recorder.requeue(job, sent, next, this.backoff(part.attempts + 1), outcome.error.Code);
      }
      case "paused": {
        // The next run waits for the circuit to close before it calls again.
        const next = { ...this.firstPartAs(sent, { mayExist: outcome.mayExist }), error: outcome.error };
        return recorder.requeue(job, sent, next, this.deps.rateLimitedDelayMs, outcome.error.Code);
      }
    }
  }

  /**
   * A per-instance failure (nothing was created): check the part's agents again and set aside what
   * is no longer online; when that finds nothing (the code persists), split the part in two; a
   * part of one instance fails with the code.
   */
  private async isolate(
    work: ChunkWork,
    sent: ChunkRecord,
    error: { Code: string; Message: string },
  ): Promise<Step> {
    const part = sent.parts[0];
    if (!part) return nextStep(sent);
    const chunk = withFirstPart({ ...sent, error }, { ...part, mayExist: false });
    if (this.deps.preflight && !part.rechecked && part.instanceIds.length > 1) {
      const result = await checkPartAgents(
        work.tat,
        this.deps.metrics,
        work.request.Region,
        part.instanceIds,
      );
      if (result.kind === "checked" && result.setAside.length > 0) {
        return this.saved(work, sent, checked(chunk, result.online, result.setAside, "rechecked"));
      }
    }
    if (part.instanceIds.length === 1) return this.saved(work, sent, failed(chunk, error));
    this.deps.metrics.splits.inc({ code: error.Code });
    return this.saved(work, sent, split(chunk));
  }

  private firstPartAs(chunk: ChunkRecord, changes: { mayExist: boolean }): ChunkRecord {
    const first = chunk.parts[0];
    return first ? withFirstPart(chunk, { ...first, ...changes }) : chunk;
  }

  private async saved(work: ChunkWork, from: ChunkRecord, to: ChunkRecord): Promise<Step> {
    return onward(await this.deps.recorder.save(work.job, from, to));
  }
}
