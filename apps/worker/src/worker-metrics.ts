import { DEAD_LETTER_QUEUES, INVOKER_TAT_ACTION, REPAIR_KINDS } from "@tat-bulk/batches";
import { createServiceRegistry, metricFactory, redisMemoryGauges, redisUpGauge } from "@tat-bulk/metrics";
import type { BucketState } from "@tat-bulk/rate-limit";
import { FINAL_TASK_STATUSES, NOT_FIRED } from "@tat-bulk/tat-api";
import type { TraceIds } from "@tat-bulk/tracing";

export type WorkerMetrics = ReturnType<typeof createWorkerMetrics>;

/**
 * ok: every unfinished batch looked at; errors: some could not be (the others were); failed: the
 * pass stopped on an error (Redis away); stalled: it passed its deadline and the next one started.
 */
export const RECONCILER_PASS_OUTCOMES = ["ok", "errors", "failed", "stalled"] as const;

const CALL_SECONDS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const WAIT_SECONDS = [0.001, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
const BATCH_SECONDS = [1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600, 7200, 14400];

/** The worker's metrics (names are the contract the dashboard and alerts use; no IDs in labels). */
export function createWorkerMetrics(
  options: {
    ping?: () => Promise<unknown>;
    rateLimit?: number;
    /** Every budget bucket's circuit breaker, read from Redis at each scrape. */
    breakers?: () => Promise<BucketState[]>;
    /** The rate limiter's current margin in ms (it grows after a RequestLimitExceeded, then decays). */
    marginMs?: () => number;
    /** Runs this worker follows now. */
    runsFollowed?: () => number;
    /** Redis's memory, read at each scrape. */
    memory?: () => Promise<{ usedBytes: number; maxBytes: number }>;
    /** Tracing is on: the call-duration buckets carry a trace ID each (OpenMetrics exemplars). */
    exemplars?: boolean;
  } = {},
) {
  // Exemplars are an OpenMetrics feature: with them, the registry answers in that format.
  const exemplars = options.exemplars === true;
  const registry = createServiceRegistry({ openMetrics: exemplars });
  const metric = metricFactory(registry);
  // prom-client types an exemplar's labels as the metric's: trace_id is named here for that alone.
  const apiDuration = metric.histogram<"action" | "trace_id">(
    "tat_api_request_duration_seconds",
    "TAT API call duration, from send to answer.",
    ["action"],
    CALL_SECONDS,
    { exemplars },
  );
  if (options.ping) redisUpGauge(registry, options.ping);
  if (options.memory) redisMemoryGauges(registry, options.memory);
  const rateLimit = metric.gauge(
    "tat_bulk_rate_limit_per_second",
    "The configured TAT calls per second per action (the line the call rate should sit under).",
  );
  if (options.rateLimit !== undefined) rateLimit.set(options.rateLimit);
  const { marginMs } = options;
  if (marginMs)
    metric.reading(
      "tat_bulk_rate_margin_seconds",
      "The limiter's margin over 1 s: the network jitter allowance plus a decaying step per RequestLimitExceeded.",
      () => marginMs() / 1000,
    );
  const { runsFollowed } = options;
  if (runsFollowed) {
    metric.reading(
      "tat_bulk_runs_followed",
      "Runs (a batch's firings at one time, or a rerun) this worker follows now: sum across workers.",
      runsFollowed,
    );
  }
  const breakers = options.breakers;
  if (breakers) {
    metric.gauge(
      "tat_bulk_circuit_open",
      "1 while a budget bucket's circuit breaker is open (TAT unavailable: work waits, one probe at a time).",
      ["action", "bucket"],
      async function collect() {
        this.reset();
        // Unreachable Redis: no sample (tat_bulk_redis_up says why) rather than a scrape error.
        const states = await breakers().catch(() => []);
        for (const state of states)
          this.set({ action: state.action, bucket: state.bucket }, state.open ? 1 : 0);
      },
    );
  }
  const webhookDeliveries = metric.counterOf(
    "tat_bulk_webhook_deliveries_total",
    "Webhook delivery tries (failed: tried again; refused: host not allowed)",
    "outcome",
    ["delivered", "failed", "gave-up", "refused"],
  );
  const invokerActions = metric.counter(
    "tat_bulk_invoker_actions_total",
    "Disable, enable and delete calls on a batch's invokers, by action and answer (Gone: TAT no longer knew it).",
    ["action", "outcome"],
  );
  // Series from the start, so a dashboard reads 0 rather than "No data" before the first action.
  for (const action of Object.values(INVOKER_TAT_ACTION))
    for (const outcome of ["Success", "Gone"]) invokerActions.inc({ action, outcome }, 0);
  const reconcilerRepairs = metric.counterOf(
    "tat_bulk_reconciler_repairs_total",
    "Drift the reconciler repaired,",
    "kind",
    REPAIR_KINDS,
  );
  const reconcilerPasses = metric.counterOf(
    "tat_bulk_reconciler_passes_total",
    "Reconciler passes on this worker (the lease holder),",
    "outcome",
    RECONCILER_PASS_OUTCOMES,
  );
  const runTasks = metric.counterOf(
    "tat_bulk_run_tasks_total",
    "Tasks of followed runs that reached a final status (NOT_FIRED: the invoker did not fire in time),",
    "status",
    [...FINAL_TASK_STATUSES, NOT_FIRED],
  );
  const runsFinished = metric.counterOf("tat_bulk_runs_finished_total", "Runs that ended,", "status", [
    "SUCCEEDED",
    "PARTIALLY_FAILED",
    "FAILED",
  ]);
  return {
    registry,
    runTasks,
    runsFinished,
    runResultsLag: metric.histogram(
      "tat_bulk_run_results_lag_seconds",
      "From an invocation's end at TAT to its tasks' results being readable here.",
      [],
      [0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300],
    ),
    apiRequests: metric.counter(
      "tat_api_requests_total",
      "TAT API calls by action and answer: Success, the TAT error code, or a transport class.",
      ["action", "code"],
    ),
    /** A call's duration; with tracing on, its trace is the bucket's exemplar. */
    observeCall(action: string, seconds: number, trace: TraceIds | undefined): void {
      if (exemplars && trace) {
        apiDuration.observe({
          labels: { action },
          value: seconds,
          exemplarLabels: { trace_id: trace.trace_id },
        });
      } else apiDuration.observe({ action }, seconds);
    },
    rateLimitWait: metric.histogram(
      "tat_bulk_rate_limit_wait_seconds",
      "Time a call waited for a shared rate-limit slot.",
      ["action"],
      WAIT_SECONDS,
    ),
    jobsParked: metric.counterOf(
      "tat_bulk_jobs_parked_total",
      "Jobs parked in the dead letters after WORKER_JOB_MAX_ERRORS unforeseen errors in a row",
      "queue",
      DEAD_LETTER_QUEUES,
    ),
    sendHold: metric.gauge(
      "tat_bulk_send_hold",
      "1 while calls are prepared before their rate-limit slot and held until it; 0 when the start-up check found the hold broken with this SDK, and each call is handed to the SDK at its slot.",
    ),
    slotsSkipped: metric.counter(
      "tat_bulk_rate_slots_skipped_total",
      "Slots given up because the process stalled past 100 ms after their time, by action.",
      ["action"],
    ),
    sendLateness: metric.histogram(
      "tat_bulk_rate_send_lateness_seconds",
      "How long after its slot's time a call's request left (recorded: the next window counts from it), by action.",
      ["action"],
      [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1],
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
    invokerActions,
    webhookDeliveries,
    chunkRetries: metric.counter(
      "tat_bulk_chunk_retries_total",
      "Chunk calls sent again, by reason (the error code or class that caused it).",
      ["reason"],
    ),
    jobsStalled: metric.counterOf(
      "tat_bulk_jobs_stalled_total",
      "Jobs put back because they got nowhere for WORKER_JOB_STALL_MS (a wait that did not end),",
      "queue",
      ["chunks", "invokers", "runs"],
    ),
    invokerLookalikes: metric.counter(
      "tat_bulk_invoker_lookalikes_total",
      "Invokers that carried a chunk's tag but ran something else (another command, user, parameters, schedule or instances): never adopted.",
    ),
    invokersAdopted: metric.counter(
      "tat_bulk_invokers_adopted_total",
      "Invokers found already created by an earlier ambiguous attempt, adopted instead of created again.",
    ),
    reconcilerRepairs,
    reconcilerPasses,
    reconcilerLastPass: metric.gauge(
      "tat_bulk_reconciler_last_pass_timestamp_seconds",
      "When this worker last finished a reconciler pass (Unix seconds; 0 never): the newest across workers says the reconciler is alive.",
    ),
    retentionRemoved: metric.counterOf(
      "tat_bulk_retention_removed_total",
      "What retention removed, BATCH_RETENTION after it finished: batches (with everything under them), runs of live RECURRENCE batches, finished jobs,",
      "kind",
      ["batches", "runs", "jobs"],
    ),
    reconcilerLeader: metric.gauge(
      "tat_bulk_reconciler_leader",
      "1 on the worker that holds the reconciler's lease (exactly one should).",
    ),
    batchDuration: metric.histogram(
      "tat_bulk_batch_duration_seconds",
      "Time from a batch's acceptance to its final status.",
      ["status"],
      BATCH_SECONDS,
    ),
  };
}
