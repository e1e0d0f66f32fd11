import { LuaScript } from "@tat-bulk/redis";
import type { InvokerState } from "./batch-types.js";
import { CHUNK_COUNTER_FIELDS, INSTANCE_COUNTER_FIELDS, INVOKER_COUNTER_FIELDS } from "./chunk-tally.js";

/**
 * The batch hash (`…:batch:<id>`): the one place its field names are written. The TS code reads
 * them from here, and every script that touches the hash gets them as `F` (BATCH_FIELDS_LUA, put
 * before its text when it is loaded) and never spells one. The counters are chunk-tally.ts's.
 */
export const BATCH_FIELD = {
  /** BatchStatus; STAGING while the intake writes it. */
  status: "status",
  /** The call's fields (JSON, BatchCallFields). */
  request: "request",
  caller: "caller",
  /** The caller's scheduling weight. */
  weight: "weight",
  /** The Idempotency-Key that made it (retention removes the key with the batch). */
  idempotencyKey: "idempotencyKey",
  /** Failed instances beyond which the batch stops (MaxErrors as a count). */
  maxErrors: "maxErrors",
  instanceCount: "instanceCount",
  chunkCount: "chunkCount",
  duplicatesRemoved: "duplicatesRemoved",
  /** Epoch ms, as are the other times. */
  createdAt: "createdAt",
  updatedAt: "updatedAt",
  startedAt: "startedAt",
  finishedAt: "finishedAt",
  /** Bumped by every chunk write: a recount from chunks read before one is refused. */
  rev: "rev",
  /** "1" once a cancel was asked. */
  cancelRequested: "cancelRequested",
  /** The error every chunk would meet that stopped the batch (or MaxErrorsExceeded), and its message. */
  stopCode: "stopCode",
  stopMessage: "stopMessage",
  /** The last invoker action: what the invokers must become, its number, when asked, done, or why not. */
  invokerTarget: "invokerTarget",
  invokerSeq: "invokerSeq",
  invokerRequestedAt: "invokerRequestedAt",
  invokerDoneAt: "invokerDoneAt",
  invokerError: "invokerError",
  /** When retention found it finished: its expiry is this plus BATCH_RETENTION. */
  quietAt: "quietAt",
  /** Its newest run (a purge checks that it is over). */
  lastRunId: "lastRunId",
  /** The W3C traceparent of the request that made it, when tracing was on: its work joins that trace. */
  trace: "trace",
} as const;

/**
 * The invoker states not yet where an invoker action wants them, per target: the one statement of
 * the "invokers still pending" rule, summed by the read model here and by the settle step in Lua.
 */
export const PENDING_INVOKER_STATES: Readonly<Record<InvokerState, readonly InvokerState[]>> = {
  DISABLED: ["ENABLED"],
  DELETED: ["ENABLED", "DISABLED"],
  ENABLED: ["DISABLED"],
};

/** Invokers an action towards `target` still has to change, from the batch's invoker counts. */
export function invokersPending(
  target: InvokerState,
  counts: Readonly<Record<InvokerState, number>>,
): number {
  return PENDING_INVOKER_STATES[target].reduce((sum, state) => sum + counts[state], 0);
}

/** What the scripts get as F: the fields, the counters by name, and the pending rule in field names. */
const SCRIPT_FIELDS = {
  ...BATCH_FIELD,
  ...Object.fromEntries(
    [CHUNK_COUNTER_FIELDS, INSTANCE_COUNTER_FIELDS, INVOKER_COUNTER_FIELDS].flatMap((fields) =>
      Object.values(fields).map((field) => [field, field]),
    ),
  ),
  pending: Object.fromEntries(
    Object.entries(PENDING_INVOKER_STATES).map(([target, states]) => [
      target,
      states.map((state) => INVOKER_COUNTER_FIELDS[state]),
    ]),
  ),
};

/** The scripts' prelude: `local F = …` (in a Lua long string of level 1: JSON never holds `]=]`). */
export const BATCH_FIELDS_LUA = `local F = cjson.decode([=[${JSON.stringify(SCRIPT_FIELDS)}]=])\n`;

/** A script that reads or writes the batch hash: its `.lua` file with the field names handed in as F. */
export const batchScript = <Reply>(file: URL, keys: number, parse: (reply: unknown) => Reply) =>
  LuaScript.fromFile(file, keys, parse, BATCH_FIELDS_LUA);
