import { BATCH_FIELD, type RedisKeys } from "@tat-bulk/batches";
import type { RedisClient } from "@tat-bulk/redis";

/** Batches remembered; past this, the memory starts again (a batch's trace never changes). */
const MAX_REMEMBERED = 10_000;

/** The traceparent each batch was submitted with (none: tracing was off then), read once per batch. */
export class BatchTraces {
  private readonly known = new Map<string, string | null>();

  constructor(
    private readonly redis: RedisClient,
    private readonly keys: RedisKeys,
  ) {}

  async of(batchIds: readonly string[]): Promise<ReadonlyMap<string, string | null>> {
    const unknown = [...new Set(batchIds.filter((id) => !this.known.has(id)))];
    if (unknown.length > 0) {
      if (this.known.size + unknown.length > MAX_REMEMBERED) this.known.clear();
      const read = await Promise.all(
        unknown.map((id) => this.redis.hget(this.keys.batch(id), BATCH_FIELD.trace)),
      );
      for (const [i, id] of unknown.entries()) this.known.set(id, read[i] ?? null);
    }
    return this.known;
  }
}
