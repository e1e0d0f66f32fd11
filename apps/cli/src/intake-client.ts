import {
  type BatchAccepted,
  type BatchDetail,
  type BatchSummary,
  createTatBulkClient,
  type InstanceOutcome,
  type InstanceStatus,
  type RunDetail,
  type RunInstance,
  type RunSummary,
  type TatBulkClient,
  TatBulkError,
} from "@tat-bulk/client/http";

/** A batch as the CLI shows it (BatchDetail): its status, ETA and a page of chunks; lists show a BatchSummary. */
export type { BatchDetail, BatchSummary, RunDetail, RunInstance, RunSummary };
export type InstanceRow = InstanceOutcome;
export type Accepted = BatchAccepted;
export type ChunkStatus = BatchDetail["Chunks"][number]["Status"];

/** An error answer of the intake, or a failure to reach it (`NetworkError`, `InvalidResponse`). */
export const IntakeError = TatBulkError;
export type IntakeError = TatBulkError;

/** The intake's API through @tat-bulk/client, in the shapes the commands use. */
export class IntakeClient {
  private readonly api: TatBulkClient;

  constructor(url: string, apiKey: string) {
    this.api = createTatBulkClient({ baseUrl: url, apiKey });
  }

  submit(body: Parameters<TatBulkClient["submit"]>[0], idempotencyKey?: string): Promise<Accepted> {
    return this.api.submit(body, idempotencyKey ? { idempotencyKey } : {});
  }

  status(batchId: string, page: { chunkLimit?: number; status?: ChunkStatus } = { chunkLimit: 0 }) {
    return this.api.batch(batchId, page);
  }

  list(offset: number, limit: number) {
    return this.api.list(offset, limit);
  }

  cancel(batchId: string, invokers?: "disable" | "delete" | "keep") {
    return this.api.cancel(batchId, invokers);
  }

  /** POST …/disable, …/enable or …/delete-invokers. */
  invokerAction(batchId: string, path: "disable" | "enable" | "delete-invokers") {
    return this.api.invokers(batchId, path);
  }

  retry(batchId: string) {
    return this.api.retry(batchId);
  }

  exportLines(batchId: string) {
    return this.api.exportLines(batchId);
  }

  purge(batchId: string) {
    return this.api.purge(batchId);
  }

  /** Every instance of the batch with this status (10,000 a page). */
  async instances(batchId: string, status: InstanceStatus): Promise<InstanceRow[]> {
    const rows: InstanceRow[] = [];
    for await (const row of this.api.instances(batchId, { status, pageSize: 10_000 })) rows.push(row);
    return rows;
  }

  runs(batchId: string) {
    return this.api.runs(batchId, 0, 100);
  }

  run(batchId: string, runId: string): Promise<RunDetail> {
    return this.api.run(batchId, runId);
  }

  /** Every instance of a run in a status or group (10,000 a page). */
  async runInstances(batchId: string, runId: string, status: string): Promise<RunInstance[]> {
    const rows: RunInstance[] = [];
    for await (const row of this.api.runInstances(batchId, runId, { status, pageSize: 10_000 }))
      rows.push(row);
    return rows;
  }

  rerun(batchId: string, runId: string) {
    return this.api.rerun(batchId, runId);
  }

  deadLetters() {
    return this.api.deadLetters(1000);
  }

  retryDeadLetter(queue: "chunks" | "runs", jobId: string) {
    return this.api.retryDeadLetter(queue, jobId);
  }
}
