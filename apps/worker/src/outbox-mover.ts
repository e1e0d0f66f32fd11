import { ackOutbox, type BatchReads, type RedisKeys, readOutbox } from "@tat-bulk/batches";
import type { RedisClient } from "@tat-bulk/redis";
import type { Queue } from "bullmq";
import type { Logger } from "pino";
import { type WebhookJobData, webhookBody } from "./webhook-delivery.js";

export interface OutboxMoverDeps {
  redis: RedisClient;
  keys: RedisKeys;
  reads: BatchReads;
  webhooks: Queue<WebhookJobData>;
  logger: Logger;
  intervalMs?: number;
}

/**
 * Turns the batch scripts' events into webhook deliveries, every worker at once: a delivery's job
 * ID is its event's, so an event queued twice is delivered once; an event leaves the outbox only
 * once its delivery is queued. Events of batches without a CallbackUrl are dropped.
 */
export function startOutboxMover(deps: OutboxMoverDeps): { close(): Promise<void> } {
  let stopped = false;
  const moveOnce = async () => {
    const events = await readOutbox(deps.redis, deps.keys);
    for (const event of events) {
      const summary = await deps.reads.summary(event.BatchId);
      const url = summary?.request.CallbackUrl;
      if (!summary || !url) continue;
      const body = webhookBody(event.EventId, event.Kind, summary);
      await deps.webhooks.add("webhook", { url, eventId: event.EventId, body }, { jobId: event.EventId });
    }
    await ackOutbox(deps.redis, deps.keys, events);
    return events.length;
  };
  const loop = (async () => {
    while (!stopped) {
      const moved = await moveOnce().catch((error: unknown) => {
        deps.logger.warn({ err: error instanceof Error ? error.message : error }, "outbox move failed");
        return 0;
      });
      if (moved === 0) await new Promise((resolve) => setTimeout(resolve, deps.intervalMs ?? 250));
    }
  })();
  return {
    async close() {
      stopped = true;
      await loop;
    },
  };
}
