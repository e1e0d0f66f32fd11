import { asNumber, asStrings, unexpectedReply } from "@tat-bulk/redis";
import { isInvokerState } from "./batch-codec.js";
import { batchScript as fromFile } from "./batch-hash.js";
import { BATCH_STATUSES, type BatchStatus, type InvokerState } from "./batch-types.js";

const lua = (name: string) => new URL(`../lua/${name}`, import.meta.url);
const batchScript = <Reply>(name: string, keys: number, parse: (reply: unknown) => Reply) =>
  fromFile(lua(name), keys, parse);

export type ApplyChunkReply =
  | {
      kind: "ok";
      finished?: { status: BatchStatus; createdAtMs: number };
      /** This write's failed instances passed MaxErrors: the batch stops now. */
      stoppedNow: boolean;
      /** The batch's invoker action, when one was asked: what its invokers must become. */
      invokerAction?: { target: InvokerState; seq: number };
      /**
       * The write had gone through and its answer was lost (a reconnect sent it again, and the
       * second run found the chunk already written): what the first answer said is unknown.
       */
      replayed?: true;
    }
  | { kind: "missing" }
  | { kind: "conflict" }
  | { kind: "stopped" };

const isBatchStatus = (value: string): value is BatchStatus =>
  (BATCH_STATUSES as readonly string[]).includes(value);

/** lua/apply-chunk.lua: one chunk's compare-and-set write with its batch's counters, stop and status. */
export const APPLY_CHUNK = batchScript("apply-chunk.lua", 3, (reply): ApplyChunkReply => {
  const [kind, settled = "", createdAt = "0", stoppedNow = "0", target = "", seq = "0"] = asStrings(
    "apply-chunk",
    reply,
  );
  if (kind === "missing" || kind === "conflict" || kind === "stopped") return { kind };
  if (kind !== "ok") return unexpectedReply("apply-chunk", reply);
  if (settled !== "" && !isBatchStatus(settled)) return unexpectedReply("apply-chunk", reply);
  return {
    kind,
    stoppedNow: stoppedNow === "1",
    ...(settled ? { finished: { status: settled, createdAtMs: Number(createdAt) } } : {}),
    ...(isInvokerState(target) ? { invokerAction: { target, seq: Number(seq) } } : {}),
  };
});

/** lua/sweep-chunks.lua: answers how many chunks it ended. */
export const SWEEP_CHUNKS = batchScript("sweep-chunks.lua", 3, (reply) => asNumber("sweep-chunks", reply));

/** lua/stop-batch.lua. */
export const STOP_BATCH = batchScript("stop-batch.lua", 1, (reply) => {
  if (reply === "stopped" || reply === "already" || reply === "missing") return reply;
  return unexpectedReply("stop-batch", reply);
});

/** lua/request-invoker-action.lua: answers the action's number (0: no such batch). */
export const REQUEST_INVOKER_ACTION = batchScript("request-invoker-action.lua", 3, (reply) =>
  asNumber("request-invoker-action", reply),
);

/** lua/invoker-action-error.lua: an invoker action's error, recorded, and a cancelled batch settled. */
export const INVOKER_ACTION_ERROR = batchScript("invoker-action-error.lua", 2, (reply) =>
  reply === 1 || reply === 0 ? reply === 1 : unexpectedReply("invoker-action-error", reply),
);
