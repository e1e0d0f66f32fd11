import type { ChunkJobData } from "@tat-bulk/batches";
import { createServiceRegistry, redisUpGauge } from "@tat-bulk/metrics";
import type { Queue } from "bullmq";
import { Counter, Gauge, Histogram } from "prom-client";

export type IntakeMetrics = ReturnType<typeof createIntakeMetrics>;

const QUEUE_STATES = ["waiting", "active", "delayed", "failed", "completed"] as const;

/** The intake's metrics (names are the contract the dashboard and alerts use). */
export function createIntakeMetrics(queue: () => Queue<ChunkJobData>, ping?: () => Promise<unknown>) {
  const registry = createServiceRegistry();
  const registers = [registry];
  if (ping) redisUpGauge(registry, ping);
  return {
    registry,
    batches: new Counter({
      name: "tat_bulk_batches_total",
      help: "Batch requests by outcome: accepted, rejected (validation or idempotency conflict), replayed (idempotency key).",
      labelNames: ["outcome"] as const,
      registers,
    }),
    instancesReceived: new Counter({
      name: "tat_bulk_instances_received_total",
      help: "Unique instance IDs in accepted batches.",
      registers,
    }),
    chunksEnqueued: new Counter({
      name: "tat_bulk_chunks_enqueued_total",
      help: "Chunk jobs enqueued.",
      registers,
    }),
    enqueueFastPath: new Gauge({
      name: "tat_bulk_enqueue_fast_path",
      help: "1 while jobs are written by BullMQ's own script looped 100 per call, 0 once on Queue.addBulk.",
      registers,
    }),
    httpDuration: new Histogram({
      name: "tat_bulk_http_request_duration_seconds",
      help: "Intake HTTP request duration.",
      labelNames: ["method", "route", "status"] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    }),
    // Read from BullMQ at scrape time; every intake reports the same queue, so queries take max().
    queueJobs: new Gauge({
      name: "tat_bulk_queue_jobs",
      help: "Chunk jobs in the queue by state, read at scrape time.",
      labelNames: ["state"] as const,
      registers,
      async collect() {
        const counts = await queue().getJobCounts(...QUEUE_STATES);
        for (const state of QUEUE_STATES) this.set({ state }, counts[state] ?? 0);
      },
    }),
    oldestWaiting: new Gauge({
      name: "tat_bulk_queue_oldest_waiting_seconds",
      help: "Age of the oldest waiting chunk job (0 when none waits).",
      registers,
      async collect() {
        const [oldest] = await queue().getJobs(["waiting"], 0, 0, true);
        this.set(oldest ? Math.max(0, (Date.now() - oldest.timestamp) / 1000) : 0);
      },
    }),
  };
}
