import type { Batches } from "@tat-bulk/batches";
import type { AuditTrail } from "@tat-bulk/callers";
import type { PurgeOutcome, Quietness } from "@tat-bulk/retention";
import type { RunReads, RunStore } from "@tat-bulk/runs";
import type { Tracing } from "@tat-bulk/tracing";
import type { RequestHandler } from "express";
import type { QuotaDeps } from "../callers/caller-quota.js";
import type { IntakeMetrics } from "../metrics.js";
import type { Paused } from "./route-params.js";

/** What the routes need of the batch store, wired in app.ts. */
export interface BatchServices
  extends Pick<Batches, "reads" | "writer" | "cancel" | "retry" | "invokerAction"> {
  /** Chunks not yet finished, across every batch and budget (queued, or waiting in the scheduler). */
  backlog(): Promise<number>;
  /** CreateInvoker calls per second the workers run at. */
  callRate(): Promise<number>;
  /** The TAT account names batches may use (as the workers published them). */
  accounts(): Promise<ReadonlySet<string>>;
  /** Set while any TAT budget bucket's circuit breaker is open: unfinished batches wait. */
  paused(): Promise<Paused | undefined>;
  /** The batches' runs, and where a rerun is written. */
  runs: RunReads;
  runStore: Pick<RunStore, "createRerun">;
  /** Whether a batch is finished (an early purge needs it to be), and its removal. */
  retention: {
    check(batchId: string): Promise<Quietness>;
    purge(batchId: string): Promise<PurgeOutcome>;
  };
}

export interface BatchRoutesDeps {
  batches: BatchServices;
  /** State-changing routes write their intent here before acting. */
  audit: AuditTrail;
  /** Callers' quotas of instances in flight. */
  quota: QuotaDeps;
  metrics: IntakeMetrics;
  /** Refuses new work (submit, retry, rerun) while Redis is nearly full. */
  memoryGate: RequestHandler;
  defaultRegion: string;
  /** Hosts a CallbackUrl may name (empty: webhooks are off). */
  webhookHosts: readonly string[];
  now: () => Date;
  /** The submit's spans; the batch keeps its request span's context (its trace's root). */
  tracing: Tracing;
}
