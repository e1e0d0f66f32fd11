import { queueNames } from "@tat-bulk/batches";
import { bullPrefix } from "@tat-bulk/redis";
import { type ConnectionOptions, Queue, UnrecoverableError } from "bullmq";
import type { Logger } from "pino";
import { type Consumer, consumer } from "./consumer.js";
import { bullBackoff, mayRetry, type RetryPolicy } from "./retry-policy.js";
import { deliver, type WebhookJobData } from "./webhook-delivery.js";
import type { WorkerMetrics } from "./worker-metrics.js";

export const webhookQueueName = (queueName: string) => queueNames(queueName).webhooks;

/**
 * Deliveries wait in Redis, so a restart loses none. Finished ones are kept a week: an event queued
 * again meanwhile (an outbox read twice) is recognised by its ID and not delivered twice.
 */
export function createWebhookQueue(queueName: string, connection: ConnectionOptions): Queue<WebhookJobData> {
  return new Queue<WebhookJobData>(webhookQueueName(queueName), {
    prefix: bullPrefix(queueName),
    connection,
    defaultJobOptions: {
      attempts: 1_000_000,
      backoff: { type: "webhook" },
      removeOnComplete: { age: 7 * 24 * 3600, count: 100_000 },
      removeOnFail: { age: 7 * 24 * 3600, count: 100_000 },
    },
  });
}

export interface WebhookSettings {
  /** WEBHOOK_SIGNING_SECRET: signs the deliveries of callers without a secret of their own. */
  secret: string;
  /** Callers' own secrets (the callers file's WebhookSecret or WebhookSecretEnv), by name. */
  callerSecrets: ReadonlyMap<string, string>;
  allowedHosts: readonly string[];
  timeoutMs: number;
  /** Tried again until the event is WEBHOOK_GIVE_UP_MS old. */
  retry: RetryPolicy;
}

/**
 * Delivers at least once: a non-2xx answer, a timeout or a refused connection is tried again,
 * doubling the wait up to a cap, until the event is a day old (WEBHOOK_GIVE_UP_MS); every try
 * carries the same EventId and body.
 */
export function webhookConsumer(
  queueName: string,
  connection: ConnectionOptions,
  settings: WebhookSettings,
  metrics: WorkerMetrics,
  logger: Logger,
): Consumer {
  return consumer<WebhookJobData>(
    webhookQueueName(queueName),
    async (job) => {
      const secret = (job.data.caller && settings.callerSecrets.get(job.data.caller)) || settings.secret;
      const result = await deliver(job.data, { ...settings, secret });
      if (result === "delivered") {
        metrics.webhookDeliveries.inc({ outcome: "delivered" });
        return;
      }
      if (result === "refused") {
        metrics.webhookDeliveries.inc({ outcome: "refused" });
        throw new UnrecoverableError(
          `${new URL(job.data.url).host} is not in WEBHOOK_ALLOWED_HOSTS, or reaches an address a webhook may not`,
        );
      }
      if (!mayRetry(settings.retry, job.attemptsMade + 1, job.timestamp)) {
        metrics.webhookDeliveries.inc({ outcome: "gave-up" });
        logger.error(
          { eventId: job.data.eventId, reason: result.failed },
          "webhook not delivered; giving up",
        );
        throw new UnrecoverableError(`gave up: ${result.failed}`);
      }
      metrics.webhookDeliveries.inc({ outcome: "failed" });
      throw new Error(result.failed);
    },
    {
      connection,
      prefix: bullPrefix(queueName),
      concurrency: 16,
      settings: {
        backoffStrategy: bullBackoff(settings.retry),
      },
    },
    logger,
  );
}
