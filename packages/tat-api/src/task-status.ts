/**
 * What a task (one instance of an invocation) can be at TAT. Still running: PENDING, DELIVERING,
 * DELIVER_DELAYED, RUNNING, CANCELLING. Final: SUCCESS, FAILED (a non-zero exit), TIMEOUT,
 * TASK_TIMEOUT (the agent stopped answering), DELIVER_FAILED, START_FAILED, CANCELLED (before it
 * started), TERMINATED (stopped while running). NOT_FIRED is tat-bulk's own: the instance's invoker
 * did not fire within the grace period of its scheduled time.
 */
export const RUNNING_TASK_STATUSES = [
  "PENDING",
  "DELIVERING",
  "DELIVER_DELAYED",
  "RUNNING",
  "CANCELLING",
] as const;
export const FINAL_TASK_STATUSES = [
  "SUCCESS",
  "FAILED",
  "TIMEOUT",
  "TASK_TIMEOUT",
  "DELIVER_FAILED",
  "START_FAILED",
  "CANCELLED",
  "TERMINATED",
] as const;
export const NOT_FIRED = "NOT_FIRED";
export const TASK_STATUSES = [...RUNNING_TASK_STATUSES, ...FINAL_TASK_STATUSES, NOT_FIRED] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];

/** How a run counts its instances. */
export const TASK_GROUPS = {
  Succeeded: ["SUCCESS"],
  Failed: ["FAILED", "TIMEOUT", "TASK_TIMEOUT", "DELIVER_FAILED", "START_FAILED"],
  Cancelled: ["CANCELLED", "TERMINATED"],
  Pending: RUNNING_TASK_STATUSES,
  NotFired: [NOT_FIRED],
} as const satisfies Record<string, readonly TaskStatus[]>;
export type TaskGroup = keyof typeof TASK_GROUPS;
export const TASK_GROUP_NAMES = Object.keys(TASK_GROUPS) as TaskGroup[];

export const isTaskStatus = (value: string): value is TaskStatus =>
  (TASK_STATUSES as readonly string[]).includes(value);

export function taskGroupOf(status: TaskStatus): TaskGroup {
  for (const group of TASK_GROUP_NAMES) {
    if ((TASK_GROUPS[group] as readonly string[]).includes(status)) return group;
  }
  return "Pending";
}

/** A task that will not change any more (NOT_FIRED included). */
export const isFinalTask = (status: TaskStatus) => taskGroupOf(status) !== "Pending";

/** An invocation's statuses that no longer change. */
export const FINAL_INVOCATION_STATUSES = [
  "SUCCESS",
  "FAILED",
  "TIMEOUT",
  "CANCELLED",
  "PARTIAL_FAILED",
  "PARTIAL_CANCELLED",
] as const;
