import { createServiceRegistry, metricFactory, redisUpGauge } from "@tat-bulk/metrics";

export type WorkerMetrics = ReturnType<typeof createWorkerMetrics>;

const CALL_SECONDS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const WAIT_SECONDS = [0.001, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
const BATCH_SECONDS = [1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600, 7200, 14400];

/** The worker's metrics (names are the contract the dashboard and alerts use; no IDs in labels). */
export function createWorkerMetrics(options: { ping?: () => Promise<unknown>; rateLimit?: number } = {}) {
  const registry = createServiceRegistry();
  const metric = metricFactory(registry);
  if (options.ping) redisUpGauge(registry, options.ping);
  const rateLimit = metric.gauge(
    "tat_bulk_rate_limit_per_second",
    "The configured TAT calls per second per action (the line the call rate should sit under).",
  );
  if (options.rateLimit !== undefined) rateLimit.set(options.rateLimit);
  const webhookDeliveries = metric.counter(
    "tat_bulk_webhook_deliveries_total",
    "Webhook delivery tries by outcome: delivered, failed (tried again), gave-up, refused (host not allowed).",
    ["outcome"],
  );
  return {
    registry,
    apiRequests: metric.counter(
      "tat_api_requests_total",
      "TAT API calls by action and answer: Success, the TAT error code, or a transport class.",
      ["action", "code"],
    ),
    apiDuration: metric.histogram(
      "tat_api_request_duration_seconds",
      "TAT API call duration, from send to answer.",
      ["action"],
      CALL_SECONDS,
    ),
    rateLimitWait: metric.histogram(
      "tat_bulk_rate_limit_wait_seconds",
      "Time a call waited for a shared rate-limit slot.",
      ["action"],
      WAIT_SECONDS,
    ),
    chunksFinished: metric.counter(
      "tat_bulk_chunks_finished_total",
      "Chunks that reached a final status, by status and error code (Success when succeeded).",
      ["status", "code"],
    ),
    instancesFinished: metric.counter(
      "tat_bulk_instances_finished_total",
      "Instances that reached a final outcome, by status and code (Success when in an invoker).",
      ["status", "code"],
    ),
    agentChecks: metric.counter(
      "tat_bulk_agent_checks_total",
      "Agent checks before CreateInvoker, by outcome: checked, unavailable (went on without), retried.",
      ["outcome"],
    ),
    splits: metric.counter(
      "tat_bulk_part_splits_total",
      "Parts split in two after a per-instance failure TAT did not pin down, by code.",
      ["code"],
    ),
    invokerActions: metric.counter(
      "tat_bulk_invoker_actions_total",
      "Disable, enable and delete calls on a batch's invokers, by action and answer (Gone: TAT no longer knew it).",
      ["action", "outcome"],
    ),
    webhookDeliveries,
    chunkRetries: metric.counter(
      "tat_bulk_chunk_retries_total",
      "Chunk calls sent again, by reason (the error code or class that caused it).",
      ["reason"],
    ),
    invokersAdopted: metric.counter(
      "tat_bulk_invokers_adopted_total",
      "Invokers found already created by an earlier ambiguous attempt, adopted instead of created again.",
    ),
    batchDuration: metric.histogram(
      "tat_bulk_batch_duration_seconds",
      "Time from a batch's acceptance to its final status.",
      ["status"],
      BATCH_SECONDS,
    ),
  };
}
