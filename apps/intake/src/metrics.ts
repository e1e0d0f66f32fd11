import type { ChunkJobData } from "@tat-bulk/chunk-queue";
import { createServiceRegistry, metricFactory, redisMemoryGauges, redisUpGauge } from "@tat-bulk/metrics";
import type { Queue } from "bullmq";

export type IntakeMetrics = ReturnType<typeof createIntakeMetrics>;

export const AUTH_FAILURE_REASONS = [
  "missing-key",
  "unknown-key",
  "missing-scope",
  "command-not-allowed",
  "region-not-allowed",
  "account-not-allowed",
  "quota",
  "rate-limited",
  "source-blocked",
] as const;

const QUEUE_STATES = ["waiting", "active", "delayed", "failed", "completed"] as const;
const HTTP_SECONDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

/** The intake's metrics (names are the contract the dashboard and alerts use). */
export function createIntakeMetrics(
  queue: () => Queue<ChunkJobData>,
  ping?: () => Promise<unknown>,
  /** Chunks waiting in the scheduler (not yet jobs): most of a backlog. */
  scheduled?: () => Promise<number>,
  /** Redis's memory, read at each scrape. */
  memory?: () => Promise<{ usedBytes: number; maxBytes: number }>,
  /** Failed jobs of the queues whose jobs a worker may park (see DeadLetters.counts). */
  deadLetters?: () => Promise<Record<string, number>>,
) {
  const registry = createServiceRegistry();
  const metric = metricFactory(registry);
  if (ping) redisUpGauge(registry, ping);
  if (memory) redisMemoryGauges(registry, memory);
  const authFailures = metric.counterOf(
    "tat_bulk_auth_failures_total",
    "Requests refused for who made them,",
    "reason",
    AUTH_FAILURE_REASONS,
  );
  return {
    registry,
    // `caller` values are the configured callers' names: a bounded set.
    batches: metric.counter(
      "tat_bulk_batches_total",
      "Batch requests by outcome (accepted, rejected: validation or idempotency conflict, replayed: idempotency key) and caller.",
      ["outcome", "caller"],
    ),
    instancesReceived: metric.counter(
      "tat_bulk_instances_received_total",
      "Unique instance IDs in accepted batches, by caller.",
      ["caller"],
    ),
    chunksEnqueued: metric.counter("tat_bulk_chunks_enqueued_total", "Chunk jobs enqueued, by caller.", [
      "caller",
    ]),
    authFailures,
    httpDuration: metric.histogram(
      "tat_bulk_http_request_duration_seconds",
      "Intake HTTP request duration.",
      ["method", "route", "status"],
      HTTP_SECONDS,
    ),
    // Read from BullMQ at scrape time; every intake reports the same queue, so queries take max().
    queueJobs: metric.gauge(
      "tat_bulk_queue_jobs",
      "Chunks by state, read at scrape time: `scheduled` waiting in the scheduler, the others as BullMQ jobs.",
      ["state"],
      async function collect() {
        const counts = await queue().getJobCounts(...QUEUE_STATES);
        for (const state of QUEUE_STATES) this.set({ state }, counts[state] ?? 0);
        if (scheduled) this.set({ state: "scheduled" }, await scheduled());
      },
    ),
    deadLetters: metric.gauge(
      "tat_bulk_dead_letters",
      "Failed jobs by queue, read at scrape time: jobs a worker parked (GET /v1/admin/dead-letters), and for a minute or so any the reconciler is about to retry.",
      ["queue"],
      async function collect() {
        for (const [queue, n] of Object.entries((await deadLetters?.()) ?? {})) this.set({ queue }, n);
      },
    ),
    oldestWaiting: metric.gauge(
      "tat_bulk_queue_oldest_waiting_seconds",
      "Age of the oldest waiting chunk job (0 when none waits).",
      [],
      async function collect() {
        const [oldest] = await queue().getJobs(["waiting"], 0, 0, true);
        this.set(oldest ? Math.max(0, (Date.now() - oldest.timestamp) / 1000) : 0);
      },
    ),
  };
}
