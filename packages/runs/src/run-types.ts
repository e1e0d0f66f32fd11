import type { TaskGroup, TaskStatus } from "@tat-bulk/tat-api";

/** PENDING: not fired yet; RUNNING; then final by its instances. */
export const RUN_STATUSES = ["PENDING", "RUNNING", "SUCCEEDED", "PARTIALLY_FAILED", "FAILED"] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];
export const isFinalRun = (status: RunStatus) => status !== "PENDING" && status !== "RUNNING";

/** INVOKER: the batch's invokers fired at a scheduled time; RERUN: tat-bulk ran the command again. */
export type RunSource = "INVOKER" | "RERUN";

export type RunInstanceCounts = Record<TaskGroup, number>;

/** A run as the API shows it. */
export interface RunSummary {
  RunId: string;
  ScheduledAt: string;
  Source: RunSource;
  Status: RunStatus;
  Instances: RunInstanceCounts;
  TaskStatuses: Partial<Record<TaskStatus, number>>;
  FirstStartedAt: string | null;
  LastFinishedAt: string | null;
  /** For a rerun, the run it reran. */
  RerunOf: string | null;
  CreatedAt: string;
  FinishedAt: string | null;
}

/** Failed instances that failed alike: one status, one exit code, one output once identifiers are masked. */
export interface FailureGroup {
  TaskStatus: TaskStatus;
  ExitCode: number | null;
  OutputSample: string;
  Count: number;
}

/** What TAT said of a task that did not succeed (or of any, with RUN_OUTPUTS=all). */
export interface TaskDetail {
  ExitCode: number | null;
  /** Decoded UTF-8. */
  Output: string;
  /** Bytes TAT cut from the output (it keeps 24 KB). */
  Dropped: number;
  OutputUrl: string | null;
  ErrorInfo: string | null;
  StartTime: string | null;
  EndTime: string | null;
}

/** One instance of a run, as the instances route shows it. */
export interface RunInstance extends TaskDetail {
  InstanceId: string;
  TaskStatus: TaskStatus;
  InvocationId: string | null;
  InvocationTaskId: string | null;
}

/** A task's status as the follower read it. */
export interface TaskUpdate {
  instanceId: string;
  status: TaskStatus;
  invocationId: string;
  taskId: string;
}
