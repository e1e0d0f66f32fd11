import { randomBytes } from "node:crypto";
import type { InstanceType } from "@tat-bulk/tat-api";
import type { ChunkError, ChunkStatus } from "./batch-types.js";
import { type ChunkInvoker, type ChunkPart, type ChunkRecord, newPart } from "./chunk-record.js";

/**
 * The stored form: short keys, and instance lists left out where they are the whole chunk's, since
 * a 100,000-instance batch stores 1,000 chunks and most of them have one part and one invoker.
 */
interface StoredChunk {
  /** The write that stored it (first, so that the Lua scripts find it without decoding). */
  w?: string;
  t: InstanceType;
  ids: string[];
  s: ChunkStatus;
  a: number;
  err?: ChunkError;
  /** Parts; absent: the one fresh part of every instance. */
  p?: StoredPart[];
  /** Invokers: [id, instances (0: all of the chunk's), state]. */
  i?: Array<[string, string[] | 0, ChunkInvoker["state"]]>;
  /** Failed instances: [id, code, message, part whose call may have created an invoker]. */
  f?: Array<[string, string, string, string?]>;
  /** Cancelled: [instances, code, message]. */
  c?: [string[], string, string];
  r?: number;
  done?: number;
}

interface StoredPart {
  k: string;
  ids?: string[];
  /** Bits: 1 checked, 2 rechecked, 4 may exist. */
  b: number;
  a: number;
  sent?: number;
  /** Latest send. */
  last?: number;
  /** Failures not yet counted: [action, epoch ms]. */
  pf?: Array<[string, number]>;
}

const sameList = (a: readonly string[], b: readonly string[]) =>
  a === b || (a.length === b.length && a.every((id, i) => id === b[i]));

function isFreshWholePart(chunk: ChunkRecord): boolean {
  const [only, ...rest] = chunk.parts;
  return (
    only !== undefined &&
    rest.length === 0 &&
    only.key === "" &&
    !only.checked &&
    !only.rechecked &&
    !only.mayExist &&
    only.attempts === 0 &&
    only.firstSentAt === undefined &&
    only.pendingFailures === undefined &&
    only.sentAt === undefined &&
    sameList(only.instanceIds, chunk.instanceIds)
  );
}

function encodePart(part: ChunkPart, all: readonly string[]): StoredPart {
  return {
    k: part.key,
    ...(sameList(part.instanceIds, all) ? {} : { ids: part.instanceIds }),
    b: (part.checked ? 1 : 0) | (part.rechecked ? 2 : 0) | (part.mayExist ? 4 : 0),
    a: part.attempts,
    ...(part.firstSentAt !== undefined ? { sent: part.firstSentAt } : {}),
    ...(part.sentAt !== undefined ? { last: part.sentAt } : {}),
    ...(part.pendingFailures?.length
      ? { pf: part.pendingFailures.map((f): [string, number] => [f.action, f.at]) }
      : {}),
  };
}

/**
 * What a compare-and-set on a chunk names: `<version>.<write ID>` (the ID empty for a record
 * written without one). The scripts read it off the stored text (stampOf in settle-batch.lua).
 */
export const chunkStamp = (chunk: Pick<ChunkRecord, "version" | "writeId">): string =>
  `${chunk.version}.${chunk.writeId ?? ""}`;

/** A fresh write ID: 48 random bits, enough that two writers of one version never collide. */
export const newWriteId = (): string => randomBytes(6).toString("hex");

/**
 * `<version>|<json>`, the write ID the JSON's first field: the Lua scripts read both without
 * decoding the rest. (A reader that knows no write ID ignores the field, and a record written
 * without one has an empty one.)
 */
export function encodeChunk(chunk: ChunkRecord): string {
  const all = chunk.instanceIds;
  const stored: StoredChunk = {
    ...(chunk.writeId !== undefined ? { w: chunk.writeId } : {}),
    t: chunk.instanceType,
    ids: all,
    s: chunk.status,
    a: chunk.attempts,
    ...(chunk.error ? { err: chunk.error } : {}),
    ...(isFreshWholePart(chunk) ? {} : { p: chunk.parts.map((part) => encodePart(part, all)) }),
    ...(chunk.invokers.length
      ? {
          i: chunk.invokers.map((v) => [
            v.invokerId,
            sameList(v.instanceIds, all) ? 0 : v.instanceIds,
            v.state,
          ]),
        }
      : {}),
    ...(chunk.failed.length
      ? {
          f: chunk.failed.map((f) =>
            f.uncertainPart === undefined
              ? [f.instanceId, f.code, f.message]
              : [f.instanceId, f.code, f.message, f.uncertainPart],
          ),
        }
      : {}),
    ...(chunk.cancelled
      ? { c: [chunk.cancelled.instanceIds, chunk.cancelled.code, chunk.cancelled.message] }
      : {}),
    ...(chunk.round ? { r: chunk.round } : {}),
    ...(chunk.doneAt !== undefined ? { done: chunk.doneAt } : {}),
  };
  return `${chunk.version}|${JSON.stringify(stored)}`;
}

export function decodeChunk(raw: string): ChunkRecord {
  const bar = raw.indexOf("|");
  const version = Number(raw.slice(0, bar));
  if (bar < 1 || !Number.isInteger(version)) throw new Error(`not a stored chunk: ${raw.slice(0, 40)}`);
  const s = JSON.parse(raw.slice(bar + 1)) as StoredChunk;
  const all = s.ids;
  return {
    version,
    ...(s.w !== undefined ? { writeId: s.w } : {}),
    instanceType: s.t,
    instanceIds: all,
    status: s.s,
    attempts: s.a,
    ...(s.err ? { error: s.err } : {}),
    parts: s.p
      ? s.p.map((p) =>
          newPart(p.k, p.ids ?? all, {
            checked: (p.b & 1) !== 0,
            rechecked: (p.b & 2) !== 0,
            mayExist: (p.b & 4) !== 0,
            attempts: p.a,
            ...(p.sent !== undefined ? { firstSentAt: p.sent } : {}),
            ...(p.last !== undefined ? { sentAt: p.last } : {}),
            ...(p.pf ? { pendingFailures: p.pf.map(([action, at]) => ({ action, at })) } : {}),
          }),
        )
      : [newPart("", all)],
    invokers: (s.i ?? []).map(([invokerId, ids, state]) => ({
      invokerId,
      instanceIds: ids === 0 ? all : ids,
      state,
    })),
    failed: (s.f ?? []).map(([instanceId, code, message, uncertainPart]) => ({
      instanceId,
      code,
      message,
      ...(uncertainPart !== undefined ? { uncertainPart } : {}),
    })),
    cancelled: s.c ? { instanceIds: s.c[0], code: s.c[1], message: s.c[2] } : undefined,
    round: s.r ?? 0,
    ...(s.done !== undefined ? { doneAt: s.done } : {}),
  };
}
