import type { TaskDetail } from "@tat-bulk/runs";
import { isTaskStatus, type TaskStatus } from "@tat-bulk/tat-api";
import type { RateLimitedTat } from "../rate-limited-tat.js";

/** A TAT answer the run could not use: why, and whether TAT is unavailable (its circuit open). */
export interface CallFailure {
  failed: true;
  code: string;
  outage: boolean;
}
export type CallResult<T> = T | CallFailure;
export const isFailure = <T>(result: CallResult<T>): result is CallFailure =>
  typeof result === "object" && result !== null && "failed" in result;

const PAGE = 100;

async function call<T>(tat: RateLimitedTat, action: string, region: string, params: Record<string, unknown>) {
  const answer = await tat.call<T>(action, region, params);
  if (!answer.ok) return { failed: true, code: answer.code, outage: answer.outage } as CallFailure;
  return answer.response;
}

export interface InvokerRecord {
  InvokerId: string;
  InvokeTime: string;
  InvocationId: string;
}

/**
 * The firings of these invokers (at most 100) from `notBeforeMs` on, newest first, every page
 * until the records are older than that.
 */
export async function invokerRecords(
  tat: RateLimitedTat,
  region: string,
  invokerIds: readonly string[],
  notBeforeMs: number,
): Promise<CallResult<InvokerRecord[]>> {
  const records: InvokerRecord[] = [];
  for (let offset = 0; ; offset += PAGE) {
    const page = await call<{ TotalCount: number; InvokerRecordSet: InvokerRecord[] }>(
      tat,
      "DescribeInvokerRecords",
      region,
      { InvokerIds: invokerIds, Offset: offset, Limit: PAGE },
    );
    if (isFailure(page)) return page;
    records.push(...page.InvokerRecordSet);
    const oldest = page.InvokerRecordSet.at(-1);
    const done = !oldest || Date.parse(oldest.InvokeTime) < notBeforeMs;
    if (done || offset + PAGE >= page.TotalCount) return records;
  }
}

export interface DescribedInvocation {
  InvocationId: string;
  InvocationStatus: string;
  InvocationTaskBasicInfoSet: Array<{ InvocationTaskId: string; TaskStatus: string; InstanceId: string }>;
  StartTime?: string;
  EndTime?: string;
  CreatedTime?: string;
  CommandId?: string;
  Parameters?: string;
  Username?: string;
  InvocationSource?: string;
}

/** These invocations (at most 100), as TAT has them now; one it does not know yet is missing. */
export function invocations(tat: RateLimitedTat, region: string, invocationIds: readonly string[]) {
  return call<{ InvocationSet: DescribedInvocation[] }>(tat, "DescribeInvocations", region, {
    InvocationIds: invocationIds,
    Limit: PAGE,
  });
}

/** A page of a command's invocations, newest first (a rerun's look-up). */
export function invocationsOfCommand(tat: RateLimitedTat, region: string, commandId: string, offset: number) {
  return call<{ TotalCount: number; InvocationSet: DescribedInvocation[] }>(
    tat,
    "DescribeInvocations",
    region,
    {
      Filters: [{ Name: "command-id", Values: [commandId] }],
      Offset: offset,
      Limit: PAGE,
    },
  );
}

interface DescribedTask {
  InvocationTaskId: string;
  InstanceId: string;
  TaskStatus: string;
  ErrorInfo?: string;
  TaskResult?: {
    ExitCode?: number;
    Output?: string;
    Dropped?: number;
    OutputUrl?: string;
    ExecStartTime?: string;
    ExecEndTime?: string;
  };
}

const orNull = (text: string | undefined) => (text ? text : null);

/** These tasks' results (at most 100), outputs decoded: what a failed instance shows. */
export async function taskDetails(
  tat: RateLimitedTat,
  region: string,
  taskIds: readonly string[],
): Promise<
  CallResult<Array<{ taskId: string; instanceId: string; status: TaskStatus; detail: TaskDetail }>>
> {
  const answer = await call<{ InvocationTaskSet: DescribedTask[] }>(tat, "DescribeInvocationTasks", region, {
    InvocationTaskIds: taskIds,
    HideOutput: false,
    Limit: PAGE,
  });
  if (isFailure(answer)) return answer;
  return answer.InvocationTaskSet.flatMap((t) => {
    if (!isTaskStatus(t.TaskStatus)) return [];
    const result = t.TaskResult ?? {};
    return [
      {
        taskId: t.InvocationTaskId,
        instanceId: t.InstanceId,
        status: t.TaskStatus,
        detail: {
          ExitCode: result.ExitCode ?? null,
          Output: Buffer.from(result.Output ?? "", "base64").toString("utf8"),
          Dropped: result.Dropped ?? 0,
          OutputUrl: orNull(result.OutputUrl),
          ErrorInfo: orNull(t.ErrorInfo),
          StartTime: orNull(result.ExecStartTime),
          EndTime: orNull(result.ExecEndTime),
        },
      },
    ];
  });
}
