import { asStrings, LuaScript, type RedisClient, unexpectedReply } from "@tat-bulk/redis";
import type { RedisKeys } from "./keys.js";

/** HIGH and NORMAL share a budget (HIGH the larger part); LOW goes when neither has work, and ages into NORMAL. */
export const LANES = ["HIGH", "NORMAL", "LOW"] as const;
export type Lane = (typeof LANES)[number];

const lua = (name: string) => new URL(`../lua/${name}`, import.meta.url);

const ENROLL = LuaScript.fromFile(lua("sched-enroll.lua"), 1, (reply) =>
  reply === 1 || reply === 0 ? reply === 1 : unexpectedReply("sched-enroll", reply),
);
const PICK = LuaScript.fromFile(lua("sched-pick.lua"), 1, (reply) => asStrings("sched-pick", reply));

/** A chunk waiting to be sent: its index and round (each retry of a chunk is a round). */
export interface ChunkRef {
  index: number;
  round: number;
}

export const encodeRef = ({ index, round }: ChunkRef) => (round === 0 ? String(index) : `${index}:${round}`);

export function decodeRef(text: string): ChunkRef | undefined {
  const match = /^(\d+)(?::(\d+))?$/.exec(text);
  if (!match) return undefined;
  return { index: Number(match[1]), round: Number(match[2] ?? 0) };
}

/** A chunk the scheduler chose: its batch, its ref, and the in-flight entry its job ends. */
export interface Pick extends ChunkRef {
  batchId: string;
  slot: string;
}

export interface PickOptions {
  depth: number;
  agingMs: number;
  staleMs: number;
  /** HIGH's share of a budget while NORMAL has work too (0.5 to 0.99; 0.9 by default). */
  highShare?: number;
  now?: number;
}

export const DEFAULT_HIGH_SHARE = 0.9;

/**
 * Which chunk goes next. Batches' chunks wait in a list per batch (written by the intake, in
 * `keys.schedPending`) until the scheduler hands them to the queue, a few at a time per budget, so
 * the queue never holds more than a budget can send in a moment and a new batch is next in line
 * wherever it stands in fairness, not behind every chunk queued before it.
 */
export class ChunkScheduler {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: RedisKeys,
  ) {}

  /** Batches written but not yet in a lane (the first `count`). */
  inbox(count = 100): Promise<string[]> {
    return this.redis.lrange(this.keys.schedInbox, 0, count - 1);
  }

  enroll(batch: {
    batchId: string;
    budget: string;
    lane: Lane;
    caller: string;
    weight: number;
    rate: number;
  }): Promise<boolean> {
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

  /** Budgets with chunks waiting or in flight, with each one's CreateInvoker calls per second. */
  async budgets(): Promise<Map<string, number>> {
    const [names, rates] = await Promise.all([
      this.redis.smembers(this.keys.schedBudgets),
      this.redis.hgetall(this.keys.schedBudgetRates),
    ]);
    return new Map(names.map((name) => [name, Number(rates[name]) || 1]));
  }

  async pick(budget: string, options: PickOptions): Promise<Pick[]> {
    const reply = await PICK.run(
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
    const picks: Pick[] = [];
    for (let i = 0; i + 1 < reply.length; i += 2) {
      const batchId = reply[i] ?? "";
      const text = reply[i + 1] ?? "";
      const ref = decodeRef(text);
      if (!ref) return unexpectedReply("sched-pick", reply);
      picks.push({ batchId, ...ref, slot: `${batchId}\t${text}` });
    }
    return picks;
  }

  /** The job of an in-flight chunk is running: its entry is fresh again. */
  async touch(budget: string, slot: string): Promise<void> {
    await this.redis.zadd(this.keys.schedInflight(budget), "XX", Date.now(), slot);
  }

  /** The job of an in-flight chunk ended: its budget may send another. */
  async done(budget: string, slot: string): Promise<void> {
    await this.redis.zrem(this.keys.schedInflight(budget), slot);
  }

  /** Hands chunks (back) to the scheduler: they go after the batch's waiting ones. */
  async requeue(batchId: string, refs: readonly ChunkRef[]): Promise<void> {
    if (refs.length === 0) return;
    await this.redis
      .multi()
      .rpush(this.keys.schedPending(batchId), ...refs.map(encodeRef))
      .rpush(this.keys.schedInbox, batchId)
      .exec();
  }

  /** Takes a chunk out of its batch's waiting list: true if it was there (nothing will send it). */
  async withdraw(batchId: string, ref: ChunkRef): Promise<boolean> {
    return (await this.redis.lrem(this.keys.schedPending(batchId), 1, encodeRef(ref))) > 0;
  }

  /** The refs still waiting of a batch. */
  async waiting(batchId: string): Promise<Set<string>> {
    return new Set(await this.redis.lrange(this.keys.schedPending(batchId), 0, -1));
  }

  /** Chunks waiting in the lists of every unfinished batch: most of a backlog (drain estimates, metrics). */
  async waitingCount(): Promise<number> {
    const batchIds = await this.redis.zrange(this.keys.unfinished, 0, -1);
    if (batchIds.length === 0) return 0;
    const pipeline = this.redis.pipeline();
    for (const id of batchIds) pipeline.llen(this.keys.schedPending(id));
    const results = (await pipeline.exec()) ?? [];
    return results.reduce((sum, [, n]) => sum + (typeof n === "number" ? n : 0), 0);
  }
}
