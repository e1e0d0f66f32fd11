import type { ChunkRecord } from "@tat-bulk/batches";
import { isBatchWide } from "@tat-bulk/tat-api";
import { checkAgents } from "./agent-check.js";
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
import { type ChunkOutcome, DONE } from "./chunk-recorder.js";
import type { ChunkJobDeps, ChunkWork } from "./chunk-work.js";

/** What a send leads to: the job's outcome, the next step, or the batch's cancel seen right before the call. */
export type SendResult = ChunkOutcome | "next" | "stopped";

/**
 * Step 4 of a chunk job: the first part's CreateInvoker under the shared rate limit, and what its
 * answer does to the part. The chunk is marked RUNNING with "look first" right before the call
 * leaves (refused if the batch's cancel was asked), so a crash while TAT holds the call means a
 * look-up next time, never a second invoker.
 */
export class PartSender {
  constructor(
    private readonly deps: ChunkJobDeps,
    private readonly backoff: (attempt: number) => number,
  ) {}

  async send(work: ChunkWork): Promise<SendResult> {
    const { recorder } = this.deps;
    const { held, request, tat } = work;
    const part = held.record.parts[0];
    if (!part) return "next";
    const params = {
      Name: request.Name,
      Type: request.Type,
      CommandId: request.CommandId,
      InstanceIds: part.instanceIds,
      ScheduleSettings: request.ScheduleSettings,
      Tags: tagsForPart(request, { batchId: held.job.batchId, index: held.job.index, key: part.key }),
      ...(request.Username !== undefined ? { Username: request.Username } : {}),
      ...(request.Parameters !== undefined ? { Parameters: request.Parameters } : {}),
    };
    const marked: { as: "ok" | "stopped" | "lost" } = { as: "lost" };
    const result = await tat.call<{ InvokerId: string }>(
      "CreateInvoker",
      request.Region,
      params,
      async () => {
        const sending = withFirstPart(
          { ...held.record, status: "RUNNING" },
          { ...part, mayExist: true, firstSentAt: part.firstSentAt ?? Date.now(), sentAt: Date.now() },
        );
        marked.as = await recorder.save(held, sending, { abortIfStopping: true });
        return marked.as === "ok";
      },
      { attempt: part.attempts + 1 },
    );
    if (!result) return marked.as === "stopped" ? "stopped" : DONE;
    const sent = held.record;
    const outcome = callOutcome(result, { mayExistBefore: part.mayExist });
    switch (outcome.kind) {
      case "created":
        return this.saved(work, created(counted(sent), outcome.invokerId));
      case "rate-limited":
        await tat.penalize("CreateInvoker");
        // Refused before anything happened: the part is as uncertain as it was before this call.
        return recorder.requeue(
          held,
          this.firstPartAs(sent, { mayExist: part.mayExist }),
          this.deps.rateLimitedDelayMs,
          outcome.code,
        );
      case "instance":
        return this.isolate(work, outcome.error);
      case "final": {
        const done = await recorder.finish(
          held,
          allFailed(counted(sent, { mayExist: false }), outcome.error),
        );
        if (isBatchWide(outcome.error.Code)) await recorder.stopBatch(held, outcome.error);
        return done;
      }
      case "retry": {
        const failed = withFailure(sent, "CreateInvoker", result.at, { mayExist: outcome.mayExist });
        const next = { ...failed, error: outcome.error };
        return recorder.requeue(held, next, this.backoff(part.attempts + 1), outcome.error.Code);
      }
      case "paused": {
        // The next run waits for the circuit to close before it calls again.
        const next = { ...this.firstPartAs(sent, { mayExist: outcome.mayExist }), error: outcome.error };
        return recorder.requeue(held, next, this.deps.rateLimitedDelayMs, outcome.error.Code);
      }
    }
  }

  /**
   * A per-instance failure (nothing was created): check the part's agents again and set aside what
   * is no longer online; when that finds nothing (the code persists), split the part in two; a
   * part of one instance fails with the code.
   */
  private async isolate(work: ChunkWork, error: { Code: string; Message: string }): Promise<SendResult> {
    const sent = work.held.record;
    const part = sent.parts[0];
    if (!part) return "next";
    const chunk = withFirstPart({ ...sent, error }, { ...part, mayExist: false });
    if (this.deps.preflight && !part.rechecked && part.instanceIds.length > 1) {
      const result = await checkAgents(work.tat, work.request.Region, part.instanceIds);
      this.deps.metrics.agentChecks.inc({ outcome: result.kind });
      if (result.kind === "checked" && result.setAside.length > 0) {
        return this.saved(work, checked(chunk, result.online, result.setAside, "rechecked"));
      }
    }
    if (part.instanceIds.length === 1) return this.saved(work, failed(chunk, error));
    this.deps.metrics.splits.inc({ code: error.Code });
    return this.saved(work, split(chunk));
  }

  private firstPartAs(chunk: ChunkRecord, changes: { mayExist: boolean }): ChunkRecord {
    const first = chunk.parts[0];
    return first ? withFirstPart(chunk, { ...first, ...changes }) : chunk;
  }

  private async saved(work: ChunkWork, next: ChunkRecord): Promise<SendResult> {
    return (await this.deps.recorder.save(work.held, next)) === "ok" ? "next" : DONE;
  }
}
