import { asStrings, LuaScript, type RedisClient, unexpectedReply } from "@tat-bulk/redis";
import { type ChunkRef, decodeRef, encodeRef } from "./chunk-ref.js";
import { DEFAULT_HIGH_SHARE, type Lane } from "./lanes.js";
import type { SchedulerKeys } from "./scheduler-keys.js";

const lua = (name: string) => new URL(`../lua/${name}`, import.meta.url);

const ENROLL = LuaScript.fromFile(lua("sched-enroll.lua"), 1, (reply) =>
  reply === 1 || reply === 0 ? reply === 1 : unexpectedReply("sched-enroll", reply),
);
const LEASE = LuaScript.fromFile(lua("sched-pick.lua"), 1, (reply) => asStrings("sched-pick", reply));

/**
 * What a leased chunk's job carries so that its lease can be renewed and released: the budget, and
 * the lease's entry in that budget's set (made by lua/sched-pick.lua; opaque everywhere else).
 */
export interface LeaseHandle {
  budget: string;
  slot: string;
}

/** A chunk the scheduler handed out: its batch and ref, and its lease on a place in its budget. */
export interface Lease extends ChunkRef, LeaseHandle {
  batchId: string;
}

/** The lease a job's data carries, if any (jobs added outside the scheduler, by repairs, carry none). */
export function leaseOf(data: {
  budget?: string | undefined;
  slot?: string | undefined;
}): LeaseHandle | undefined {
  return data.budget && data.slot ? { budget: data.budget, slot: data.slot } : undefined;
}

export interface LeaseOptions {
  /** Leases a budget may hold at once. */
  depth: number;
  /** A LOW batch waiting this long moves to NORMAL. */
  agingMs: number;
  /** A lease not renewed for this long stops counting (its job is lost, or in a long backoff). */
  staleMs: number;
  /** HIGH's share of a budget while NORMAL has work too (0.5 to 0.99; 0.9 by default). */
  highShare?: number;
  now?: number;
}

export interface Enrollment {
  batchId: string;
  budget: string;
  lane: Lane;
  caller: string;
  weight: number;
  /** The budget's CreateInvoker calls per second. */
  rate: number;
}

/**
 * Which chunk goes next. A batch's chunks are admitted to a list of its own and wait there until
 * the scheduler leases them to the queue, a few at a time per budget (its depth), so the queue
 * never holds more than a budget can send in a moment and a new batch is next in line wherever it
 * stands in fairness, not behind every chunk queued before it. A lease counts against its budget
 * until its job releases it, or it goes stale; leasing is one Lua script, so any number of workers
 * may dispatch.
 */
export class ChunkScheduler {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: SchedulerKeys,
  ) {}

  /** Hands chunks (back) to the scheduler: they wait after the batch's waiting ones. */
  async admit(batchId: string, refs: readonly ChunkRef[]): Promise<void> {
    if (refs.length === 0) return;
    await this.redis
      .multi()
      .rpush(this.keys.schedPending(batchId), ...refs.map(encodeRef))
      .rpush(this.keys.schedInbox, batchId)
      .exec();
  }

  /** Batches admitted but not yet in a lane (the first `count`). */
  inbox(count = 100): Promise<string[]> {
    return this.redis.lrange(this.keys.schedInbox, 0, count - 1);
  }

  /** Takes a batch out of the inbox into its budget's lane: true for the one worker that did. */
  enroll(batch: Enrollment): Promise<boolean> {
    return ENROLL.run(
      this.redis,
      [this.keys.schedInbox],
      [
        this.keys.sched,
        batch.batchId,
        batch.budget,
        batch.lane,
        batch.caller,
        batch.weight,
        Date.now(),
        batch.rate,
      ],
    );
  }

  /** Budgets with chunks waiting or leased, with each one's CreateInvoker calls per second. */
  async budgets(): Promise<Map<string, number>> {
    const [names, rates] = await Promise.all([
      this.redis.smembers(this.keys.schedBudgets),
      this.redis.hgetall(this.keys.schedBudgetRates),
    ]);
    return new Map(names.map((name) => [name, Number(rates[name]) || 1]));
  }

  /** The budget's next chunks, until it holds `depth` leases: by lane, caller weight and batch. */
  async lease(budget: string, options: LeaseOptions): Promise<Lease[]> {
    const reply = await LEASE.run(
      this.redis,
      [this.keys.schedBudgets],
      [
        this.keys.sched,
        budget,
        options.depth,
        options.now ?? Date.now(),
        options.agingMs,
        options.staleMs,
        options.highShare ?? DEFAULT_HIGH_SHARE,
      ],
    );
    const leases: Lease[] = [];
    for (let i = 0; i + 2 < reply.length; i += 3) {
      const ref = decodeRef(reply[i + 1] ?? "");
      const slot = reply[i + 2];
      if (!ref || !slot) return unexpectedReply("sched-pick", reply);
      leases.push({ batchId: reply[i] ?? "", ...ref, budget, slot });
    }
    return leases;
  }

  /** The lease's job is running: it is fresh again. */
  async renew(lease: LeaseHandle): Promise<void> {
    await this.redis.zadd(this.keys.schedInflight(lease.budget), "XX", Date.now(), lease.slot);
  }

  /** The lease's job ended: its budget may lease another chunk. */
  async release(lease: LeaseHandle): Promise<void> {
    await this.redis.zrem(this.keys.schedInflight(lease.budget), lease.slot);
  }

  /** Takes a chunk out of its batch's waiting list: true if it was there (nothing will send it). */
  async withdraw(batchId: string, ref: ChunkRef): Promise<boolean> {
    return (await this.redis.lrem(this.keys.schedPending(batchId), 1, encodeRef(ref))) > 0;
  }

  /** The refs still waiting of a batch. */
  async waiting(batchId: string): Promise<Set<string>> {
    return new Set(await this.redis.lrange(this.keys.schedPending(batchId), 0, -1));
  }

  /** Chunks waiting in the lists of these batches (the unfinished ones: most of a backlog). */
  async waitingCount(batchIds: readonly string[]): Promise<number> {
    if (batchIds.length === 0) return 0;
    const pipeline = this.redis.pipeline();
    for (const id of batchIds) pipeline.llen(this.keys.schedPending(id));
    const results = (await pipeline.exec()) ?? [];
    return results.reduce((sum, [, n]) => sum + (typeof n === "number" ? n : 0), 0);
  }
}
