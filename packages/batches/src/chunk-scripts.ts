import { asNumber, asStrings, LuaScript, readLua, unexpectedReply } from "@tat-bulk/redis";
import { BATCH_STATUSES, type BatchStatus } from "./batch-types.js";

const lua = (name: string) => readLua(new URL(`../lua/${name}`, import.meta.url));

export type ApplyChunkReply =
  | { kind: "ok"; finished?: { status: BatchStatus; createdAtMs: number } }
  | { kind: "missing" }
  | { kind: "conflict" }
  | { kind: "cancelled" };

const isBatchStatus = (value: string): value is BatchStatus =>
  (BATCH_STATUSES as readonly string[]).includes(value);

/** lua/apply-chunk.lua: one chunk's compare-and-set write with its batch's counters and status. */
export const APPLY_CHUNK = new LuaScript<ApplyChunkReply>({
  name: "tatBulkApplyChunk",
  lua: lua("apply-chunk.lua"),
  keys: 2,
  parse: (reply) => {
    const [kind, settled = "", createdAt = "0"] = asStrings("tatBulkApplyChunk", reply);
    if (kind === "missing" || kind === "conflict" || kind === "cancelled") return { kind };
    if (kind !== "ok") return unexpectedReply("tatBulkApplyChunk", reply);
    if (settled === "") return { kind };
    if (!isBatchStatus(settled)) return unexpectedReply("tatBulkApplyChunk", reply);
    return { kind, finished: { status: settled, createdAtMs: Number(createdAt) } };
  },
});

/** lua/cancel-chunks.lua: answers how many chunks it cancelled. */
export const CANCEL_CHUNKS = new LuaScript<number>({
  name: "tatBulkCancelChunks",
  lua: lua("cancel-chunks.lua"),
  keys: 2,
  parse: (reply) => asNumber("tatBulkCancelChunks", reply),
});
