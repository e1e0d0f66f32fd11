import { COMMAND_ID_PATTERN, INSTANCE_ID_PATTERN, instanceTypeOf } from "@tat-bulk/tat-api";
import {
  describeInvocation,
  describeTask,
  type Invocation,
  invocationStatusAt,
  newId,
} from "../invocation-store.js";
import { planTasks } from "../task-planner.js";
import { TatError } from "../tat-error.js";
import { type Action, onlyKnown, page, stringArray } from "./action.js";

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");

/** `Filters` as TAT takes them: at most 10, each a Name and 1 to 5 Values. */
function filtersOf(body: Record<string, unknown>, known: readonly string[]): Map<string, string[]> {
  const filters = new Map<string, string[]>();
  if (body.Filters === undefined) return filters;
  if (!Array.isArray(body.Filters) || body.Filters.length > 10) {
    throw new TatError("InvalidParameterValue.Range", "Filters holds at most 10 filters");
  }
  for (const filter of body.Filters as Array<{ Name?: unknown; Values?: unknown }>) {
    const name = typeof filter?.Name === "string" ? filter.Name : "";
    if (!known.includes(name))
      throw new TatError("InvalidParameterValue", `Unknown filter ${name.slice(0, 64)}`);
    const values = filter.Values;
    if (
      !Array.isArray(values) ||
      values.length < 1 ||
      values.length > 5 ||
      values.some((v) => typeof v !== "string")
    ) {
      throw new TatError("InvalidParameterValue.Range", "A filter holds 1 to 5 values");
    }
    filters.set(name, values as string[]);
  }
  return filters;
}

function idsOrFilters(body: Record<string, unknown>, idsField: string, known: readonly string[]) {
  const ids = stringArray(body, idsField, 100);
  const filters = filtersOf(body, known);
  if (ids && filters.size > 0)
    throw new TatError("InvalidParameter", `${idsField} and Filters cannot both be set`);
  return { ids, filters };
}

/** DescribeInvokerRecords: the firings of up to 100 invokers, newest first. */
export const describeInvokerRecords: Action = ({ body, invocations, now }) => {
  onlyKnown(body, ["InvokerIds", "Offset", "Limit"]);
  const ids = stringArray(body, "InvokerIds", 100) ?? [];
  const { offset, limit } = page(body, 100);
  const records = invocations.recordsOf(ids, now);
  return {
    TotalCount: records.length,
    InvokerRecordSet: records.slice(offset, offset + limit).map((r) => {
      const invocation = invocations.get(r.InvocationId);
      return {
        InvokerId: r.InvokerId,
        InvokeTime: iso(r.firedAt),
        Reason: "",
        InvocationId: r.InvocationId,
        Result: invocation ? invocationStatusAt(invocation, now) : "PENDING",
      };
    }),
  };
};

/** DescribeInvocations: by InvocationIds (at most 100) or Filters, each with every task's status. */
export const describeInvocations: Action = ({ body, invocations, now }) => {
  onlyKnown(body, ["InvocationIds", "Filters", "Offset", "Limit"]);
  const { ids, filters } = idsOrFilters(body, "InvocationIds", [
    "invocation-id",
    "command-id",
    "command-created-by",
    "instance-kind",
  ]);
  let matching: Invocation[] = ids
    ? ids.flatMap((id) => invocations.get(id) ?? [])
    : invocations.all().filter((i) => i.createdAt <= now);
  const byId = filters.get("invocation-id");
  if (byId) matching = matching.filter((i) => byId.includes(i.InvocationId));
  const byCommand = filters.get("command-id");
  if (byCommand) matching = matching.filter((i) => byCommand.includes(i.CommandId));
  const { offset, limit } = page(body, 100);
  return {
    TotalCount: matching.length,
    InvocationSet: matching.slice(offset, offset + limit).map((i) => describeInvocation(i, now)),
  };
};

/** DescribeInvocationTasks: by InvocationTaskIds (at most 100) or Filters; outputs unless HideOutput (default true). */
export const describeInvocationTasks: Action = ({ body, invocations, now }) => {
  onlyKnown(body, ["InvocationTaskIds", "Filters", "Offset", "Limit", "HideOutput"]);
  const { ids, filters } = idsOrFilters(body, "InvocationTaskIds", [
    "invocation-task-id",
    "invocation-id",
    "instance-id",
    "command-id",
  ]);
  if (body.HideOutput !== undefined && typeof body.HideOutput !== "boolean") {
    throw new TatError("InvalidParameter", "HideOutput must be a boolean");
  }
  const hide = body.HideOutput !== false;
  let tasks = ids
    ? ids.flatMap((id) => invocations.task(id) ?? [])
    : invocations.all().flatMap((invocation) => invocation.tasks.map((task) => ({ invocation, task })));
  const keep = (name: string, pick: (t: (typeof tasks)[number]) => string) => {
    const values = filters.get(name);
    if (values) tasks = tasks.filter((t) => values.includes(pick(t)));
  };
  keep("invocation-task-id", (t) => t.task.InvocationTaskId);
  keep("invocation-id", (t) => t.invocation.InvocationId);
  keep("instance-id", (t) => t.task.InstanceId);
  keep("command-id", (t) => t.invocation.CommandId);
  const { offset, limit } = page(body, 100);
  return {
    TotalCount: tasks.length,
    InvocationTaskSet: tasks
      .slice(offset, offset + limit)
      .map((t) => describeTask(t.invocation, t.task, now, hide)),
  };
};

/** InvokeCommand: runs a command on up to 200 instances now; refuses the whole call for one bad instance, as CreateInvoker. */
export const invokeCommand: Action = ({ body, world, agents, invocations, tasks, now }) => {
  onlyKnown(body, ["CommandId", "InstanceIds", "Parameters", "Username", "WorkingDirectory", "Timeout"]);
  const commandId = body.CommandId;
  if (typeof commandId !== "string") throw new TatError("MissingParameter", "CommandId is required");
  if (!COMMAND_ID_PATTERN.test(commandId)) {
    throw new TatError(
      "InvalidParameterValue.InvalidCommandId",
      `${commandId.slice(0, 64)} is not a command ID`,
    );
  }
  const instanceIds = stringArray(body, "InstanceIds", 200);
  if (!instanceIds?.length) throw new TatError("MissingParameter", "InstanceIds is required");
  const bad = instanceIds.find((id) => !INSTANCE_ID_PATTERN.test(id));
  if (bad)
    throw new TatError(
      "InvalidParameterValue.InvalidInstanceId",
      `${bad.slice(0, 64)} is not an instance ID`,
    );
  if (new Set(instanceIds.map(instanceTypeOf)).size > 1) {
    throw new TatError("InvalidParameterValue.InconsistentInstance", "InstanceIds mixes instance types");
  }
  const command = world.command(commandId);
  if (!command) throw new TatError("ResourceNotFound.CommandNotFound", `Command ${commandId} does not exist`);
  if (body.Parameters !== undefined && !command.EnableParameter) {
    throw new TatError(
      "InvalidParameterValue.ParameterDisabled",
      `Command ${commandId} does not enable custom parameters`,
    );
  }
  for (const id of instanceIds) {
    const agent = agents.status(id);
    if (agent === undefined)
      throw new TatError("ResourceNotFound.InstanceNotFound", "An instance does not exist");
    if (agent === "NotInstalled") {
      throw new TatError(
        "ResourceUnavailable.AgentNotInstalled",
        "The TAT agent is not installed on an instance",
      );
    }
    if (agent !== "Online") {
      throw new TatError(
        "ResourceUnavailable.AgentStatusNotOnline",
        "The TAT agent of an instance is offline",
      );
    }
  }
  const invocationId = newId("inv");
  invocations.add({
    InvocationId: invocationId,
    CommandId: commandId,
    Parameters: typeof body.Parameters === "string" ? body.Parameters : "{}",
    Username: typeof body.Username === "string" ? body.Username : "root",
    InvocationSource: "USER",
    invokerId: undefined,
    createdAt: now,
    tasks: planTasks(invocationId, instanceIds, agents, tasks, now),
  });
  return { InvocationId: invocationId };
};
