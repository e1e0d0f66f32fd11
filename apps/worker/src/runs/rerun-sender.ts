import type { BatchCallFields } from "@tat-bulk/batches";
import type { RerunPart, RunDetails, RunStore } from "@tat-bulk/runs";
import { classifyError, type TaskStatus } from "@tat-bulk/tat-api";
import type { Logger } from "pino";
import { checkAgents } from "../agent-check.js";
import { sameJsonObject } from "../chunk-identity.js";
import type { RateLimitedTat } from "../rate-limited-tat.js";
import { type DescribedInvocation, invocationsOfCommand, isFailure } from "./run-calls.js";

/** Clock skew allowed between us and TAT when a look-up matches an invocation by when it was made. */
const SKEW_MS = 5 * 60_000;
/** A look-up reads this many pages of the command's invocations at most. */
const MAX_PAGES = 50;
const DEFAULT_USERNAMES = new Set(["", "root", "System"]);

/** Whether the invocation is the one this part's earlier call made: by content and time. */
function isOurs(invocation: DescribedInvocation, request: BatchCallFields, part: RerunPart): boolean {
  if (invocation.InvocationSource !== "USER" || invocation.CommandId !== request.CommandId) return false;
  if (!(Date.parse(invocation.CreatedTime ?? "") >= (part.sentAt ?? 0) - SKEW_MS)) return false;
  const user = invocation.Username ?? "";
  if (request.Username === undefined ? !DEFAULT_USERNAMES.has(user) : user !== request.Username) return false;
  if (!sameJsonObject(invocation.Parameters, request.Parameters)) return false;
  const theirs = invocation.InvocationTaskBasicInfoSet.map((t) => t.InstanceId).sort();
  const ours = [...part.instanceIds].sort();
  return theirs.length === ours.length && theirs.every((id, i) => id === ours[i]);
}

/**
 * Sends a rerun's parts with InvokeCommand (100 instances each, the batch's command, parameters and
 * user), duplicate-safe as CreateInvoker is: a part is marked `sending` before its call leaves, and
 * one found so after an answer that may have come after TAT ran it (a timeout, an InternalError,
 * a crash) is looked up among the command's invocations (same instances, parameters, user, made
 * since its send) before it is sent again: no instance runs twice for one rerun. A part whose
 * instances TAT refuses (an agent offline, an instance gone) is checked, and only the online ones
 * are sent; the others end DELIVER_FAILED with why.
 */
export class RerunSender {
  constructor(
    private readonly store: RunStore,
    private readonly details: RunDetails,
    private readonly callWindowMs: number,
    private readonly logger: Logger,
  ) {}

  /** Sends what is left; answers whether anything was sent, or paused (TAT unavailable). */
  async send(
    tat: RateLimitedTat,
    batchId: string,
    runId: string,
    request: BatchCallFields,
  ): Promise<boolean | "paused"> {
    let changed = false;
    for (const [index, part] of await this.store.parts(batchId, runId)) {
      if (part.state === "sent") continue;
      let current = part;
      if (part.state === "sending") {
        // Its call may still be in flight: look only once it cannot be.
        if (Date.now() - (part.sentAt ?? 0) < this.callWindowMs) continue;
        const found = await this.lookUp(tat, request, part);
        if (found === "paused") return "paused";
        if (found) {
          await this.sent(batchId, runId, index, part, found);
          changed = true;
          continue;
        }
        current = { ...part, state: "new" };
      }
      const outcome = await this.sendPart(tat, batchId, runId, index, current, request);
      if (outcome === "paused") return "paused";
      changed = changed || outcome;
    }
    return changed;
  }

  private async sent(batchId: string, runId: string, index: number, part: RerunPart, invocationId: string) {
    await this.store.setPart(batchId, runId, index, { ...part, state: "sent", invocationId });
    await this.store.sent(batchId, runId, [invocationId]);
  }

  private async sendPart(
    tat: RateLimitedTat,
    batchId: string,
    runId: string,
    index: number,
    part: RerunPart,
    request: BatchCallFields,
  ): Promise<boolean | "paused"> {
    if (part.instanceIds.length === 0) {
      await this.store.setPart(batchId, runId, index, { ...part, state: "sent" });
      return true;
    }
    const sending: RerunPart = { ...part, state: "sending", sentAt: Date.now() };
    await this.store.setPart(batchId, runId, index, sending);
    const answer = await tat.call<{ InvocationId: string }>("InvokeCommand", request.Region, {
      CommandId: request.CommandId,
      InstanceIds: part.instanceIds,
      ...(request.Parameters !== undefined ? { Parameters: request.Parameters } : {}),
      ...(request.Username !== undefined ? { Username: request.Username } : {}),
    });
    if (answer.ok) {
      await this.sent(batchId, runId, index, sending, answer.response.InvocationId);
      return true;
    }
    const { disposition } = classifyError(answer.code);
    if (disposition === "rate-limited") {
      await tat.penalize("InvokeCommand");
      await this.store.setPart(batchId, runId, index, part);
      return false;
    }
    // Ambiguous (it may have run): it stays `sending`, and is looked up next round.
    if (disposition === "retryable") return answer.outage ? "paused" : false;
    if (disposition === "instance")
      return this.setAsideUnreachable(tat, batchId, runId, index, part, request.Region);
    await this.end(
      batchId,
      runId,
      index,
      part,
      part.instanceIds,
      "START_FAILED",
      `${answer.code}: ${answer.message}`,
    );
    this.logger.warn({ batchId, runId, code: answer.code }, "a rerun part was refused for good");
    return true;
  }

  /** A part TAT refused for one of its instances: send the online ones, the others end DELIVER_FAILED. */
  private async setAsideUnreachable(
    tat: RateLimitedTat,
    batchId: string,
    runId: string,
    index: number,
    part: RerunPart,
    region: string,
  ): Promise<boolean | "paused"> {
    const check = await checkAgents(tat, region, part.instanceIds);
    if (check.kind === "retry") return check.outage ? "paused" : false;
    if (check.kind === "unavailable") {
      await this.end(
        batchId,
        runId,
        index,
        part,
        part.instanceIds,
        "DELIVER_FAILED",
        "TAT refused the call for an instance's agent",
      );
      return true;
    }
    for (const aside of check.setAside) {
      await this.end(
        batchId,
        runId,
        index,
        part,
        [aside.instanceId],
        "DELIVER_FAILED",
        `Not sent: ${aside.message}`,
        false,
      );
    }
    await this.store.setPart(batchId, runId, index, { ...part, state: "new", instanceIds: check.online });
    return true;
  }

  /** Ends instances of a part that will not run, with why; the part is done too unless told not. */
  private async end(
    batchId: string,
    runId: string,
    index: number,
    part: RerunPart,
    instanceIds: readonly string[],
    status: TaskStatus,
    why: string,
    donePart = true,
  ): Promise<void> {
    await this.store.applyTasks(
      batchId,
      runId,
      instanceIds.map((instanceId) => ({ instanceId, status, invocationId: "", taskId: "" })),
    );
    await this.details.store(
      batchId,
      runId,
      instanceIds.map((instanceId) => ({
        taskId: "",
        instanceId,
        status,
        detail: {
          ExitCode: null,
          Output: "",
          Dropped: 0,
          OutputUrl: null,
          ErrorInfo: why,
          StartTime: null,
          EndTime: null,
        },
      })),
    );
    if (donePart) await this.store.setPart(batchId, runId, index, { ...part, state: "sent" });
  }

  /** The invocation this part's earlier call made, if TAT has one; paused when TAT is unavailable. */
  private async lookUp(
    tat: RateLimitedTat,
    request: BatchCallFields,
    part: RerunPart,
  ): Promise<string | undefined | "paused"> {
    for (let page = 0; page < MAX_PAGES; page++) {
      const answer = await invocationsOfCommand(tat, request.Region, request.CommandId, page * 100);
      if (isFailure(answer)) return "paused";
      const match = answer.InvocationSet.find((i) => isOurs(i, request, part));
      if (match) return match.InvocationId;
      const oldest = answer.InvocationSet.at(-1);
      if (!oldest || Date.parse(oldest.CreatedTime ?? "") < (part.sentAt ?? 0) - SKEW_MS) return undefined;
      if ((page + 1) * 100 >= answer.TotalCount) return undefined;
    }
    return undefined;
  }
}
