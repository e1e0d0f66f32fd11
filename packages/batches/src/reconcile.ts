import { type ChunkJobData, chunkJob, chunkJobId, type JobSink } from "@tat-bulk/chunk-queue";
import { asNumber, type RedisClient } from "@tat-bulk/redis";
import { ChunkScheduler, encodeRef } from "@tat-bulk/scheduler";
import type { Queue } from "bullmq";
import { BATCH_FIELD as B, batchScript } from "./batch-hash.js";
import { BatchReads } from "./batch-reads.js";
import { FINAL_CHUNK_STATUSES } from "./batch-types.js";
import { chunkStamp } from "./chunk-codec.js";
import type { ChunkRecord } from "./chunk-record.js";
import {
  CHUNK_COUNTER_FIELDS,
  FAILED_CODE_PREFIX,
  INSTANCE_COUNTER_FIELDS,
  INVOKER_COUNTER_FIELDS,
  tally,
} from "./chunk-tally.js";
import { ChunkTransitions } from "./chunk-transitions.js";
import { isDeadLetter } from "./dead-letters.js";
import type { RedisKeys } from "./keys.js";

/**
 * - missing-job: an unfinished chunk had no job and was not waiting in the scheduler (lost, or
 *   deleted): added again under its ID;
 * - orphan-job: its job's record existed in no BullMQ list, so no worker would ever take it: added
 *   again;
 * - failed-job: its job sat in BullMQ's failed set: retried (unless a worker parked it there: a
 *   dead letter waits for an admin);
 * - finished-job: its job completed while the chunk did not: added again;
 * - counts: the batch's counters differed from the sum over its chunks: set to it;
 * - settle: every chunk was final but the batch was not: settled;
 * - follower: a batch with a firing or a run to follow had no follower job (its add lost to a
 *   failover or a kill): added again (found by the retention sweep, which reads each finished batch).
 */
export interface Repair {
  kind: RepairKind;
  batchId: string;
  index?: number;
}
export const REPAIR_KINDS = [
  "missing-job",
  "orphan-job",
  "failed-job",
  "finished-job",
  "counts",
  "settle",
  "follower",
] as const;
export type RepairKind = (typeof REPAIR_KINDS)[number];

/** What one pass did: its repairs, and the batches it could not look at (with why). */
export interface PassResult {
  repairs: Repair[];
  errors: Array<{ batchId: string; error: string }>;
  batches: number;
}

export interface ReconcileDeps {
  redis: RedisClient;
  keys: RedisKeys;
  queue: Queue<ChunkJobData>;
  jobs: JobSink;
}

type JobLook = "alive" | "missing" | "orphan" | "failed" | "completed";
/** Job states a worker takes a job from, sooner or later. */
const LIVE_STATES = new Set(["waiting", "active", "delayed", "prioritized", "waiting-children", "paused"]);

const SET_COUNTERS = batchScript(
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
 * difference. A missing or finished job is repaired only when the next pass sees it again on the
 * same chunk write: a write in progress (a retry that stored its chunk and is adding its job, a
 * dispatcher between its pick and its add) looks like that for a moment; so is a settle. Counters are compared
 * with a consistent read (no chunk write came between, by the batch's `rev`), so they are set at
 * once. A batch that cannot be read is reported and the pass goes on with the others; batches it
 * finds final leave its watch list.
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

  async pass(): Promise<PassResult> {
    const { redis, keys } = this.deps;
    const result: PassResult = { repairs: [], errors: [], batches: 0 };
    const suspects = new Set<string>();
    for (const batchId of await redis.zrange(keys.unfinished, 0, -1)) {
      try {
        const [status, finishedAt] = await redis.hmget(keys.batch(batchId), B.status, B.finishedAt);
        if (!status || finishedAt) {
          await redis.zrem(keys.unfinished, batchId);
          continue;
        }
        result.batches++;
        result.repairs.push(...(await this.batch(batchId, suspects)));
      } catch (error) {
        result.errors.push({ batchId, error: error instanceof Error ? error.message : String(error) });
      }
    }
    this.seen = suspects;
    return result;
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
      if (!this.confirmed(suspects, `${batchId}:${index}:${chunkStamp(chunk)}:${look}`)) continue;
      repairs.push(await this.repairJob(batchId, index, chunk, look));
    }
    if (await this.recount(batchId)) repairs.push({ kind: "counts", batchId });
    const first = await this.reads.chunk(batchId, 0);
    if (open.length === 0 && first && this.confirmed(suspects, `${batchId}:settle:${chunkStamp(first)}`)) {
      // A write that changes nothing but runs the settle step every chunk write ends with (a
      // batch waiting for its invokers to be disabled or deleted stays as it is).
      const written = await this.transitions.write(batchId, 0, first, first);
      if (written.kind === "ok" && written.finished) repairs.push({ kind: "settle", batchId });
    }
    return repairs;
  }

  private async lookAtJob(jobId: string): Promise<JobLook> {
    const [exists, finishedOn, failedReason] = await this.deps.redis.hmget(
      this.deps.queue.toKey(jobId),
      "name",
      "finishedOn",
      "failedReason",
    );
    if (exists === null) return "missing";
    const state = await this.deps.queue.getJobState(jobId);
    if (finishedOn === null) return LIVE_STATES.has(state) ? "alive" : "orphan";
    if (state === "failed") return isDeadLetter(failedReason) ? "alive" : "failed";
    return state === "completed" ? "completed" : "orphan";
  }

  private async repairJob(
    batchId: string,
    index: number,
    chunk: ChunkRecord,
    look: Exclude<JobLook, "alive">,
  ): Promise<Repair> {
    const job = chunkJob(batchId, index, chunk.round);
    if (look === "failed") {
      await (await this.deps.queue.getJob(job.opts.jobId))?.retry("failed");
      return { kind: "failed-job", batchId, index };
    }
    // A finished or orphaned job is in the way of its ID: removed first.
    if (look !== "missing") await this.deps.queue.remove(job.opts.jobId);
    await this.deps.jobs.add([job]);
    const kind = look === "missing" ? "missing-job" : look === "orphan" ? "orphan-job" : "finished-job";
    return { kind, batchId, index };
  }

  /**
   * Sets the batch's counters to the sum over its chunks when they differ. The read is consistent
   * when no chunk write came between its first and last step: every write bumps the batch's `rev`
   * (settle-batch.lua), and the set is refused unless `rev` is still what was read first.
   */
  private async recount(batchId: string): Promise<boolean> {
    const { redis, keys } = this.deps;
    const batchKey = keys.batch(batchId);
    const rev = (await redis.hget(batchKey, B.rev)) ?? "";
    const totals = new Map<string, number>();
    for (const chunk of (await this.reads.allChunks(batchId)).values()) {
      for (const [field, n] of tally(chunk)) totals.set(field, (totals.get(field) ?? 0) + n);
    }
    const stored = await redis.hgetall(batchKey);
    // The fixed counters, and every failure code counted on either side.
    const fields = new Set([
      ...COUNTER_FIELDS,
      ...[...totals.keys(), ...Object.keys(stored)].filter((f) => f.startsWith(FAILED_CODE_PREFIX)),
    ]);
    const fixes: Record<string, number> = {};
    for (const field of fields) {
      const want = totals.get(field) ?? 0;
      if (Number(stored[field] ?? 0) !== want) fixes[field] = want;
    }
    if (Object.keys(fixes).length === 0) return false;
    return SET_COUNTERS.run(redis, [batchKey], [rev, JSON.stringify(fixes)]);
  }
}
