import { ackOutbox, type BatchReads, type RedisKeys, readOutbox } from "@tat-bulk/batches";
import type { RedisClient } from "@tat-bulk/redis";
import type { RunReads } from "@tat-bulk/runs";
import type { Queue } from "bullmq";
import type { Logger } from "pino";
import { beforeDeadline } from "./job-watch.js";
import { runWebhookBody, type WebhookJobData, webhookBody } from "./webhook-delivery.js";

/** A move that has not ended by then is left behind (an event moved twice is delivered once). */
const MOVE_DEADLINE_MS = 30_000;

export interface OutboxMoverDeps {
  redis: RedisClient;
  keys: RedisKeys;
  reads: BatchReads;
  webhooks: Queue<WebhookJobData>;
  runs: Pick<RunReads, "get">;
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
      const run = event.RunId ? await deps.runs.get(event.BatchId, event.RunId) : undefined;
      const body = run
        ? runWebhookBody(event.EventId, summary, run)
        : webhookBody(event.EventId, event.Kind, summary);
      await deps.webhooks.add(
        "webhook",
        { url, eventId: event.EventId, body, caller: summary.Caller },
        { jobId: event.EventId },
      );
    }
    await ackOutbox(deps.redis, deps.keys, events);
    return events.length;
  };
  const loop = (async () => {
    while (!stopped) {
      const moved = await beforeDeadline(moveOnce(), MOVE_DEADLINE_MS).catch((error: unknown) => {
        deps.logger.warn({ err: error instanceof Error ? error.message : error }, "outbox move failed");
        return 0;
      });
      if (moved === "late")
        deps.logger.error({ deadlineMs: MOVE_DEADLINE_MS }, "outbox move stuck; left behind");
      if (moved === 0 || moved === "late")
        await new Promise((resolve) => setTimeout(resolve, deps.intervalMs ?? 250));
    }
  })();
  return {
    async close() {
      stopped = true;
      await loop;
    },
  };
}
