import { createServiceRegistry, redisUpGauge } from "@tat-bulk/metrics";
import { Counter, Gauge, Histogram } from "prom-client";

export type WorkerMetrics = ReturnType<typeof createWorkerMetrics>;

/** The worker's metrics (names are the contract the dashboard and alerts use; no IDs in labels). */
export function createWorkerMetrics(options: { ping?: () => Promise<unknown>; rateLimit?: number } = {}) {
  const registry = createServiceRegistry();
  const registers = [registry];
  if (options.ping) redisUpGauge(registry, options.ping);
  const rateLimit = new Gauge({
    name: "tat_bulk_rate_limit_per_second",
    help: "The configured TAT calls per second per action (the line the call rate should sit under).",
    registers,
  });
  if (options.rateLimit !== undefined) rateLimit.set(options.rateLimit);
  return {
    registry,
    apiRequests: new Counter({
      name: "tat_api_requests_total",
      help: "TAT API calls by action and answer: Success, the TAT error code, or a transport class.",
      labelNames: ["action", "code"] as const,
      registers,
    }),
    apiDuration: new Histogram({
      name: "tat_api_request_duration_seconds",
      help: "TAT API call duration, from send to answer.",
      labelNames: ["action"] as const,
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    rateLimitWait: new Histogram({
      name: "tat_bulk_rate_limit_wait_seconds",
      help: "Time a call waited for a shared rate-limit slot.",
      labelNames: ["action"] as const,
      buckets: [0.001, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers,
    }),
    chunksFinished: new Counter({
      name: "tat_bulk_chunks_finished_total",
      help: "Chunks that reached a final status, by status and error code (Success when succeeded).",
      labelNames: ["status", "code"] as const,
      registers,
    }),
    chunkRetries: new Counter({
      name: "tat_bulk_chunk_retries_total",
      help: "Chunk calls sent again, by reason (the error code or class that caused it).",
      labelNames: ["reason"] as const,
      registers,
    }),
    invokersAdopted: new Counter({
      name: "tat_bulk_invokers_adopted_total",
      help: "Invokers found already created by an earlier ambiguous attempt, adopted instead of created again.",
      registers,
    }),
    batchDuration: new Histogram({
      name: "tat_bulk_batch_duration_seconds",
      help: "Time from a batch's acceptance to its final status.",
      labelNames: ["status"] as const,
      buckets: [1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600, 7200, 14400],
      registers,
    }),
  };
}
