import { asNumber, asStrings, LuaScript, unexpectedReply } from "@tat-bulk/redis";
import { BATCH_STATUSES, type BatchStatus } from "./batch-types.js";

const lua = (name: string) => new URL(`../lua/${name}`, import.meta.url);

export type ApplyChunkReply =
  | { kind: "ok"; finished?: { status: BatchStatus; createdAtMs: number } }
  | { kind: "missing" }
  | { kind: "conflict" }
  | { kind: "cancelled" };

const isBatchStatus = (value: string): value is BatchStatus =>
  (BATCH_STATUSES as readonly string[]).includes(value);

/** lua/apply-chunk.lua: one chunk's compare-and-set write with its batch's counters and status. */
export const APPLY_CHUNK = LuaScript.fromFile(lua("apply-chunk.lua"), 2, (reply): ApplyChunkReply => {
  const [kind, settled = "", createdAt = "0"] = asStrings("apply-chunk", reply);
  if (kind === "missing" || kind === "conflict" || kind === "cancelled") return { kind };
  if (kind !== "ok") return unexpectedReply("apply-chunk", reply);
  if (settled === "") return { kind };
  if (!isBatchStatus(settled)) return unexpectedReply("apply-chunk", reply);
  return { kind, finished: { status: settled, createdAtMs: Number(createdAt) } };
});

/** lua/cancel-chunks.lua: answers how many chunks it cancelled. */
export const CANCEL_CHUNKS = LuaScript.fromFile(lua("cancel-chunks.lua"), 2, (reply) =>
  asNumber("cancel-chunks", reply),
);
