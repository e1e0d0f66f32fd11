import type { RedisClient } from "@tat-bulk/redis";
import type { RedisKeys } from "./keys.js";

/**
 * An event the scripts appended in the same step as the change it reports: a batch finished, an
 * invoker action completed on a finished batch, or one of its runs ended. Workers turn each into a
 * webhook delivery.
 */
export interface OutboxEvent {
  EventId: string;
  Kind: "finished" | "invokers" | "run";
  BatchId: string;
  /** The run that ended (Kind run). */
  RunId?: string;
  /** Epoch ms of the change. */
  At: number;
  /** The event as stored, to acknowledge it by. */
  raw: string;
}

function parse(raw: string): OutboxEvent | undefined {
  try {
    const event = JSON.parse(raw) as Partial<OutboxEvent>;
    if (typeof event.EventId !== "string" || typeof event.BatchId !== "string") return undefined;
    if (event.Kind !== "finished" && event.Kind !== "invokers" && event.Kind !== "run") return undefined;
    if (event.Kind === "run" && typeof event.RunId !== "string") return undefined;
    return {
      EventId: event.EventId,
      Kind: event.Kind,
      BatchId: event.BatchId,
      At: Number(event.At),
      raw,
      ...(typeof event.RunId === "string" ? { RunId: event.RunId } : {}),
    };
  } catch {
    return undefined;
  }
}

/**
 * The oldest events, left in place: they leave the outbox only once acknowledged, after their
 * deliveries are queued. Two workers reading the same ones queue them twice under one job ID, which
 * BullMQ adds once; a worker dying in between leaves them for the next read. At least once.
 */
export async function readOutbox(redis: RedisClient, keys: RedisKeys, max = 100): Promise<OutboxEvent[]> {
  const raws = await redis.lrange(keys.outbox, 0, max - 1);
  const junk = raws.filter((raw) => parse(raw) === undefined);
  // Only the scripts write here; anything else must not block the queue behind it.
  await Promise.all(junk.map((raw) => redis.lrem(keys.outbox, 1, raw)));
  return raws.flatMap((raw) => parse(raw) ?? []);
}

export async function ackOutbox(
  redis: RedisClient,
  keys: RedisKeys,
  events: readonly OutboxEvent[],
): Promise<void> {
  await Promise.all(events.map((event) => redis.lrem(keys.outbox, 1, event.raw)));
}
