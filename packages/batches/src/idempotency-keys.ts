import { asNumber, LuaScript, type RedisClient } from "@tat-bulk/redis";
import type { BatchReads } from "./batch-reads.js";
import type { BatchSummary } from "./batch-types.js";
import type { RedisKeys } from "./keys.js";

const TTL_SECONDS = 24 * 3600;
/**
 * How long a claim on a key is its claimer's alone while its batch is not written yet: a batch
 * takes well under a second to write, so only a claimer that died leaves a key unwritten this long.
 */
const CLAIM_MS = 60_000;

const CLAIM = LuaScript.fromFile(
  new URL("../lua/claim-idempotency-key.lua", import.meta.url),
  2,
  (reply) => asNumber("claim-idempotency-key", reply) === 1,
);

export interface Idempotency {
  key: string;
  /** A hash of the request body: the same key with another body is a conflict. */
  fingerprint: string;
}

export type Reservation =
  | { kind: "reserved" }
  | { kind: "replayed"; summary: BatchSummary }
  | { kind: "conflict" }
  /** The first request with this key is still writing its batch. */
  | { kind: "in-progress" };

/**
 * `Idempotency-Key`: the first request reserves the key for its batch for 24 hours, stored as
 * `<fingerprint> <batch ID> <claim deadline>`. Until the deadline nobody else takes the key over,
 * even while the batch has no record yet (its writer is at work): two requests racing with one key,
 * on one intake or two, get one batch; after it, a key whose batch never appeared (its writer
 * died) is taken over.
 */
export class IdempotencyKeys {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: RedisKeys,
    private readonly reads: BatchReads,
  ) {}

  async reserve(idempotency: Idempotency, batchId: string, now = Date.now()): Promise<Reservation> {
    const key = this.keys.idempotency(idempotency.key);
    const value = `${idempotency.fingerprint} ${batchId} ${now + CLAIM_MS}`;
    for (let attempt = 0; attempt < 5; attempt++) {
      if ((await this.redis.set(key, value, "EX", TTL_SECONDS, "NX")) === "OK") return { kind: "reserved" };
      const existing = await this.redis.get(key);
      if (existing === null) continue;
      const [fingerprint, existingId = "", claimedUntil] = existing.split(" ");
      if (fingerprint !== idempotency.fingerprint) return { kind: "conflict" };
      const summary = await this.reads.summary(existingId);
      if (summary) return { kind: "replayed", summary };
      // Its claimer is at work (or may be, until its deadline): the key is not ours.
      if (claimedUntil !== undefined && now < Number(claimedUntil)) return { kind: "in-progress" };
      // Past it with no record at all: its writer died; the key is ours.
      if (await CLAIM.run(this.redis, [key, this.keys.batch(existingId)], [existing, value, TTL_SECONDS])) {
        return { kind: "reserved" };
      }
      if ((await this.redis.exists(this.keys.batch(existingId))) === 1) return { kind: "in-progress" };
    }
    return { kind: "in-progress" };
  }

  /** Frees the key of a batch that was rolled back. */
  async release(idempotencyKey: string): Promise<void> {
    await this.redis.del(this.keys.idempotency(idempotencyKey));
  }
}
