import { asNumber, LuaScript, type RedisClient } from "@tat-bulk/redis";
import type { Queue } from "bullmq";
import { BatchReads } from "./batch-reads.js";
import { type ChunkJobData, FINAL_CHUNK_STATUSES } from "./batch-types.js";
import type { JobSink } from "./bulk-job-writer.js";
import { chunkJob, chunkJobId } from "./chunk-queue.js";
import type { ChunkRecord } from "./chunk-record.js";
import { ChunkScheduler, encodeRef } from "./chunk-scheduler.js";
import {
  CHUNK_COUNTER_FIELDS,
  INSTANCE_COUNTER_FIELDS,
  INVOKER_COUNTER_FIELDS,
  tally,
} from "./chunk-tally.js";
import { ChunkTransitions } from "./chunk-transitions.js";
import type { RedisKeys } from "./keys.js";

/**
 * - missing-job: an unfinished chunk had no job and was not waiting in the scheduler (lost, or
 *   deleted): added again under its ID;
 * - failed-job: its job sat in BullMQ's failed set: retried;
 * - finished-job: its job completed while the chunk did not: added again;
 * - counts: the batch's counters differed from the sum over its chunks: set to it;
 * - settle: every chunk was final but the batch was not: settled.
 */
export interface Repair {
  kind: RepairKind;
  batchId: string;
  index?: number;
}
export const REPAIR_KINDS = ["missing-job", "failed-job", "finished-job", "counts", "settle"] as const;
export type RepairKind = (typeof REPAIR_KINDS)[number];

export interface ReconcileDeps {
  redis: RedisClient;
  keys: RedisKeys;
  queue: Queue<ChunkJobData>;
  jobs: JobSink;
}

type JobLook = "alive" | "missing" | "failed" | "completed";

const SET_COUNTERS = LuaScript.fromFile(
  new URL("../lua/set-counters.lua", import.meta.url),
  1,
  (reply) => asNumber("set-counters", reply) === 1,
);

const COUNTER_FIELDS = [
  ...Object.values(CHUNK_COUNTER_FIELDS),
  ...Object.values(INSTANCE_COUNTER_FIELDS),
  ...Object.values(INVOKER_COUNTER_FIELDS),
];

/**
 * Compares what the batch records say is still to do with what BullMQ holds, and repairs the
 * difference. A difference is repaired only when the next pass sees it again on the same chunk
 * version: a write in progress (a retry that stored its chunk and is adding its job) looks like
 * drift for a moment. Batches it finds final leave its watch list.
 */
export class Reconciler {
  private readonly reads: BatchReads;
  private readonly transitions: ChunkTransitions;
  private readonly scheduler: ChunkScheduler;
  private seen = new Set<string>();

  constructor(private readonly deps: ReconcileDeps) {
    this.reads = new BatchReads(deps.redis, deps.keys);
    this.transitions = new ChunkTransitions(deps.redis, deps.keys);
    this.scheduler = new ChunkScheduler(deps.redis, deps.keys);
  }

  async pass(): Promise<Repair[]> {
    const { redis, keys } = this.deps;
    const repairs: Repair[] = [];
    const suspects = new Set<string>();
    for (const batchId of await redis.zrange(keys.unfinished, 0, -1)) {
      const [status, finishedAt] = await redis.hmget(keys.batch(batchId), "status", "finishedAt");
      if (!status || finishedAt) {
        await redis.zrem(keys.unfinished, batchId);
        continue;
      }
      repairs.push(...(await this.batch(batchId, suspects)));
    }
    this.seen = suspects;
    return repairs;
  }

  /** A difference seen for the first time is remembered; the second time it is answered true. */
  private confirmed(suspects: Set<string>, key: string): boolean {
    suspects.add(key);
    return this.seen.has(key);
  }

  private async batch(batchId: string, suspects: Set<string>): Promise<Repair[]> {
    const repairs: Repair[] = [];
    const chunks = await this.reads.allChunks(batchId);
    const open = [...chunks].filter(([, chunk]) => !FINAL_CHUNK_STATUSES.has(chunk.status));
    const waiting = open.length ? await this.scheduler.waiting(batchId) : new Set<string>();
    for (const [index, chunk] of open) {
      if (waiting.has(encodeRef({ index, round: chunk.round }))) continue;
      const look = await this.lookAtJob(chunkJobId(batchId, index, chunk.round));
      if (look === "alive") continue;
      if (!this.confirmed(suspects, `${batchId}:${index}:${chunk.version}:${look}`)) continue;
      repairs.push(await this.repairJob(batchId, index, chunk, look));
    }
    if (await this.recount(batchId, suspects)) repairs.push({ kind: "counts", batchId });
    const first = chunks.get(0);
    if (open.length === 0 && first && this.confirmed(suspects, `${batchId}:settle:${first.version}`)) {
      // A write that changes nothing but runs the settle step every chunk write ends with.
      const written = await this.transitions.write(batchId, 0, first, first);
      if (written.kind === "ok" && written.finished) repairs.push({ kind: "settle", batchId });
    }
    return repairs;
  }

  private async lookAtJob(jobId: string): Promise<JobLook> {
    const [exists, finishedOn] = await this.deps.redis.hmget(
      this.deps.queue.toKey(jobId),
      "name",
      "finishedOn",
    );
    if (exists === null) return "missing";
    if (finishedOn === null) return "alive";
    return (await this.deps.queue.getJobState(jobId)) === "failed" ? "failed" : "completed";
  }

  private async repairJob(
    batchId: string,
    index: number,
    chunk: ChunkRecord,
    look: JobLook,
  ): Promise<Repair> {
    const job = chunkJob(batchId, index, chunk.round);
    if (look === "failed") {
      await (await this.deps.queue.getJob(job.opts.jobId))?.retry("failed");
      return { kind: "failed-job", batchId, index };
    }
    if (look === "completed") await this.deps.queue.remove(job.opts.jobId);
    await this.deps.jobs.add([job]);
    return { kind: look === "missing" ? "missing-job" : "finished-job", batchId, index };
  }

  /**
   * The batch's counters set to the sum over its chunks, when the same difference is seen on two
   * passes with the batch unchanged in between, and only if no chunk write came since (a Lua
   * compare-and-set on updatedAt: no WATCH, which a Redis Cluster client does not do well).
   */
  private async recount(batchId: string, suspects: Set<string>): Promise<boolean> {
    const { redis, keys } = this.deps;
    const batchKey = keys.batch(batchId);
    const updatedAt = (await redis.hget(batchKey, "updatedAt")) ?? "";
    const totals = new Map<string, number>();
    for (const chunk of (await this.reads.allChunks(batchId)).values()) {
      for (const [field, n] of tally(chunk)) totals.set(field, (totals.get(field) ?? 0) + n);
    }
    const stored = await redis.hmget(batchKey, ...COUNTER_FIELDS);
    const fixes: Record<string, number> = {};
    COUNTER_FIELDS.forEach((field, i) => {
      const want = totals.get(field) ?? 0;
      if (Number(stored[i] ?? 0) !== want) fixes[field] = want;
    });
    if (Object.keys(fixes).length === 0) return false;
    const difference = JSON.stringify(fixes);
    if (!this.confirmed(suspects, `${batchId}:counts:${updatedAt}:${difference}`)) return false;
    return SET_COUNTERS.run(redis, [batchKey], [updatedAt, difference]);
  }
}
