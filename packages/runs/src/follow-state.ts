import type { RedisClient } from "@tat-bulk/redis";
import { type RunKeys, runKeys } from "./run-keys.js";
import { num } from "./run-records.js";

/** Where a batch's follower got to: kept between its rounds (which any worker may run). */
export class FollowState {
  private readonly keys: RunKeys;

  constructor(
    private readonly redis: RedisClient,
    namespace: string,
  ) {
    this.keys = runKeys(namespace);
  }

  /** What the follower did last: the last scheduled time it handled, and its quiet rounds since a change. */
  async get(batchId: string): Promise<{ handledUntil: number | undefined; quiet: number }> {
    const [handled, quiet] = await this.redis.hmget(this.keys.follow(batchId), "handledUntil", "quiet");
    return { handledUntil: num(handled ?? undefined), quiet: Number(quiet ?? 0) };
  }

  async set(batchId: string, state: { handledUntil?: number; quiet: number }): Promise<void> {
    await this.redis.hset(this.keys.follow(batchId), {
      quiet: state.quiet,
      ...(state.handledUntil !== undefined ? { handledUntil: state.handledUntil } : {}),
    });
  }

  /** Batches a rerun asked to be followed now, taken out (at most `max`). */
  async takeWoken(max = 100): Promise<string[]> {
    return (await this.redis.lpop(this.keys.inbox, max)) ?? [];
  }
}
