import { randomBytes } from "node:crypto";
import { FINAL_TASK_STATUSES, type TaskStatus } from "@tat-bulk/tat-api";

/** TAT's cut: a task's output is at most 24 KB; the rest is counted in Dropped. */
export const MAX_OUTPUT_BYTES = 24 * 1024;

/** How a task ends, decided when its invocation is made; when it gets there is in its times. */
export interface TaskPlan {
  InvocationTaskId: string;
  InstanceId: string;
  final: (typeof FINAL_TASK_STATUSES)[number];
  exitCode: number;
  /** The whole output (cut to 24 KB when answered). */
  output: string;
  errorInfo: string;
  deliverAt: number;
  startAt: number;
  endAt: number;
}

export interface Invocation {
  InvocationId: string;
  CommandId: string;
  Parameters: string;
  Username: string;
  InvocationSource: "INVOKER" | "USER";
  /** The invoker that fired it (not a TAT field: TAT keeps no such link on an invocation). */
  invokerId: string | undefined;
  createdAt: number;
  tasks: TaskPlan[];
}

const ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789";
export const newId = (prefix: string) =>
  `${prefix}-${Array.from(randomBytes(8), (b) => ALPHABET[b % ALPHABET.length]).join("")}`;

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");

/** A task's status at `now`, from its plan's times. */
export function taskStatusAt(task: TaskPlan, now: number): TaskStatus {
  if (now >= task.endAt) return task.final;
  if (task.final === "DELIVER_FAILED") return "PENDING";
  if (now < task.deliverAt) return "PENDING";
  if (now < task.startAt) return "DELIVERING";
  return "RUNNING";
}

/** An invocation's status at `now`, from its tasks' (as TAT words it). */
export function invocationStatusAt(invocation: Invocation, now: number): string {
  const statuses = invocation.tasks.map((t) => taskStatusAt(t, now));
  if (statuses.every((s) => s === "PENDING")) return "PENDING";
  if (!statuses.every((s) => (FINAL_TASK_STATUSES as readonly string[]).includes(s))) return "RUNNING";
  const succeeded = statuses.filter((s) => s === "SUCCESS").length;
  if (succeeded === statuses.length) return "SUCCESS";
  if (succeeded > 0) return "PARTIAL_FAILED";
  return statuses.every((s) => s === "TIMEOUT") ? "TIMEOUT" : "FAILED";
}

/** An invocation as DescribeInvocations answers it at `now`. */
export function describeInvocation(invocation: Invocation, now: number) {
  const started = invocation.tasks.filter((t) => now >= t.startAt && t.final !== "DELIVER_FAILED");
  const status = invocationStatusAt(invocation, now);
  const ended = !["PENDING", "RUNNING"].includes(status);
  return {
    InvocationId: invocation.InvocationId,
    CommandId: invocation.CommandId,
    InvocationStatus: status,
    InvocationTaskBasicInfoSet: invocation.tasks.map((t) => ({
      InvocationTaskId: t.InvocationTaskId,
      TaskStatus: taskStatusAt(t, now),
      InstanceId: t.InstanceId,
    })),
    Description: "",
    StartTime: started.length ? iso(Math.min(...started.map((t) => t.startAt))) : "",
    EndTime: ended ? iso(Math.max(...invocation.tasks.map((t) => t.endAt))) : "",
    CreatedTime: iso(invocation.createdAt),
    UpdatedTime: iso(Math.min(now, Math.max(...invocation.tasks.map((t) => t.endAt)))),
    Parameters: invocation.Parameters,
    DefaultParameters: "{}",
    InstanceKind: "CVM",
    Username: invocation.Username,
    InvocationSource: invocation.InvocationSource,
    CommandContent: "",
    CommandType: "SHELL",
    Timeout: 60,
    WorkingDirectory: "",
  };
}

/** A task as DescribeInvocationTasks answers it at `now`; its output base64, or empty when hidden. */
export function describeTask(invocation: Invocation, task: TaskPlan, now: number, hideOutput: boolean) {
  const status = taskStatusAt(task, now);
  const done = now >= task.endAt;
  const bytes = Buffer.from(done ? task.output : "", "utf8");
  const kept = bytes.subarray(0, MAX_OUTPUT_BYTES);
  return {
    InvocationId: invocation.InvocationId,
    InvocationTaskId: task.InvocationTaskId,
    CommandId: invocation.CommandId,
    TaskStatus: status,
    InstanceId: task.InstanceId,
    TaskResult: {
      ExitCode: done ? task.exitCode : 0,
      Output: hideOutput ? "" : kept.toString("base64"),
      ExecStartTime: now >= task.startAt && task.final !== "DELIVER_FAILED" ? iso(task.startAt) : "",
      ExecEndTime: done && task.final !== "DELIVER_FAILED" ? iso(task.endAt) : "",
      Dropped: bytes.length - kept.length,
      OutputUrl: "",
      OutputUploadCOSErrorInfo: "",
    },
    ErrorInfo: done ? task.errorInfo : "",
    CreatedTime: iso(invocation.createdAt),
    UpdatedTime: iso(Math.min(now, task.endAt)),
    InvocationSource: invocation.InvocationSource,
  };
}

/** An invoker's firing as DescribeInvokerRecords lists it, once visible. */
export interface InvokerRecord {
  InvokerId: string;
  InvocationId: string;
  /** When it fired (epoch ms), and when the record shows (a moment later, as on TAT). */
  firedAt: number;
  visibleAt: number;
}

/** The simulator's invocations, their tasks, and the invokers' records. */
export class InvocationStore {
  private readonly invocations = new Map<string, Invocation>();
  private readonly byTask = new Map<string, { invocation: Invocation; task: TaskPlan }>();
  private readonly records = new Map<string, InvokerRecord[]>();

  add(invocation: Invocation): void {
    this.invocations.set(invocation.InvocationId, invocation);
    for (const task of invocation.tasks) this.byTask.set(task.InvocationTaskId, { invocation, task });
  }

  addRecord(record: InvokerRecord): void {
    const list = this.records.get(record.InvokerId) ?? [];
    list.push(record);
    this.records.set(record.InvokerId, list);
  }

  get(id: string): Invocation | undefined {
    return this.invocations.get(id);
  }

  task(id: string): { invocation: Invocation; task: TaskPlan } | undefined {
    return this.byTask.get(id);
  }

  /** The invokers' records visible at `now`, newest first. */
  recordsOf(invokerIds: readonly string[], now: number): InvokerRecord[] {
    return invokerIds
      .flatMap((id) => this.records.get(id) ?? [])
      .filter((r) => r.visibleAt <= now)
      .sort((a, b) => b.firedAt - a.firedAt || a.InvokerId.localeCompare(b.InvokerId));
  }

  /** Newest first. */
  all(): Invocation[] {
    return [...this.invocations.values()].sort((a, b) => b.createdAt - a.createdAt);
  }

  clear(): void {
    this.invocations.clear();
    this.byTask.clear();
    this.records.clear();
  }
}
