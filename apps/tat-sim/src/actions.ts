import {
  createInvokerCallSchema,
  INSTANCE_ID_PATTERN,
  instanceTypeOf,
  TAT_MAX_INSTANCES_PER_CALL,
  validateInvokerRequest,
} from "@tat-bulk/tat-api";
import type { Invoker, InvokerStore } from "./invoker-store.js";
import { TatError } from "./tat-error.js";
import type { World } from "./world.js";

export interface ActionContext {
  body: Record<string, unknown>;
  region: string;
  world: World;
  invokers: InvokerStore;
}

export type Action = (ctx: ActionContext) => Record<string, unknown>;

function stringArray(body: Record<string, unknown>, field: string, max: number): string[] | undefined {
  const value = body[field];
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || value.some((v) => typeof v !== "string")) {
    throw new TatError("InvalidParameter", `${field} must be an array of strings`);
  }
  if (value.length > max)
    throw new TatError("InvalidParameterValue.Range", `${field} holds at most ${max} items`);
  return value as string[];
}

function page(body: Record<string, unknown>, maxLimit: number): { offset: number; limit: number } {
  const { Offset = 0, Limit = 20 } = body;
  if (!Number.isInteger(Offset) || (Offset as number) < 0) {
    throw new TatError("InvalidParameterValue", "Offset must be a non-negative integer");
  }
  if (!Number.isInteger(Limit) || (Limit as number) < 1 || (Limit as number) > maxLimit) {
    throw new TatError("InvalidParameterValue.Range", `Limit must be 1 to ${maxLimit}`);
  }
  return { offset: Offset as number, limit: Limit as number };
}

function onlyKnown(body: Record<string, unknown>, known: readonly string[]): void {
  const unknown = Object.keys(body).filter((k) => !known.includes(k));
  if (unknown.length) throw new TatError("UnknownParameter", `Unknown parameter: ${unknown.join(", ")}`);
}

const createInvoker: Action = ({ body, region, world, invokers }) => {
  const validation = validateInvokerRequest(
    createInvokerCallSchema,
    body,
    new Date(),
    TAT_MAX_INSTANCES_PER_CALL,
  );
  if (!validation.ok) throw new TatError(validation.error.code, validation.error.message);
  const call = validation.value;
  const types = new Set(call.InstanceIds.map(instanceTypeOf));
  if (types.size > 1) {
    throw new TatError("InvalidParameterValue.InconsistentInstance", "InstanceIds mixes instance types");
  }
  const command = world.command(call.CommandId);
  if (!command)
    throw new TatError("ResourceNotFound.CommandNotFound", `Command ${call.CommandId} does not exist`);
  if (call.Parameters !== undefined && !command.EnableParameter) {
    throw new TatError(
      "InvalidParameterValue.ParameterDisabled",
      `Command ${call.CommandId} does not enable custom parameters`,
    );
  }
  for (const id of call.InstanceIds) {
    const agent = world.agent(id);
    if (agent === undefined)
      throw new TatError("ResourceNotFound.InstanceNotFound", `Instance ${id} does not exist`);
    if (agent === "NotInstalled") {
      throw new TatError("ResourceUnavailable.AgentNotInstalled", `The TAT agent is not installed on ${id}`);
    }
    if (agent !== "Online")
      throw new TatError("ResourceUnavailable.AgentStatusNotOnline", `The TAT agent on ${id} is offline`);
  }
  return { InvokerId: invokers.create(call, region).InvokerId };
};

const INVOKER_FILTERS: Record<string, (invoker: Invoker) => string> = {
  "invoker-id": (i) => i.InvokerId,
  "command-id": (i) => i.CommandId,
  "invoker-type": (i) => i.Type,
};

function publicInvoker({ Region: _r, createdAtMs: _c, ...invoker }: Invoker) {
  return invoker;
}

const describeInvokers: Action = ({ body, invokers }) => {
  onlyKnown(body, ["InvokerIds", "Filters", "Limit", "Offset"]);
  const ids = stringArray(body, "InvokerIds", 100);
  const filters = body.Filters;
  if (ids && filters !== undefined)
    throw new TatError("InvalidParameter", "InvokerIds and Filters cannot both be set");
  let matching = invokers.all();
  if (ids) matching = matching.filter((i) => ids.includes(i.InvokerId));
  if (filters !== undefined) {
    if (!Array.isArray(filters) || filters.length > 10) {
      throw new TatError("InvalidParameterValue.Range", "Filters holds at most 10 filters");
    }
    for (const filter of filters as Array<{ Name?: unknown; Values?: unknown }>) {
      const select = typeof filter?.Name === "string" ? INVOKER_FILTERS[filter.Name] : undefined;
      if (!select) throw new TatError("InvalidParameterValue", `Unknown filter ${String(filter?.Name)}`);
      const values = filter.Values;
      if (!Array.isArray(values) || values.length < 1 || values.length > 5) {
        throw new TatError("InvalidParameterValue.Range", "A filter holds 1 to 5 values");
      }
      matching = matching.filter((i) => values.includes(select(i)));
    }
  }
  const { offset, limit } = page(body, 100);
  return {
    TotalCount: matching.length,
    InvokerSet: matching.slice(offset, offset + limit).map(publicInvoker),
  };
};

const deleteInvoker: Action = ({ body, invokers }) => {
  onlyKnown(body, ["InvokerId"]);
  if (typeof body.InvokerId !== "string") throw new TatError("MissingParameter", "InvokerId is required");
  if (!invokers.delete(body.InvokerId)) {
    throw new TatError("ResourceNotFound.InvokerNotFound", `Invoker ${body.InvokerId} does not exist`);
  }
  return {};
};

const describeCommands: Action = ({ body, world }) => {
  onlyKnown(body, ["CommandIds", "Filters", "Limit", "Offset"]);
  const ids = stringArray(body, "CommandIds", 100);
  const commands = ids ? ids.flatMap((id) => world.command(id) ?? []) : world.commands();
  const { offset, limit } = page(body, 100);
  return {
    TotalCount: commands.length,
    CommandSet: commands.slice(offset, offset + limit).map((c) => ({
      ...c,
      CommandType: "SHELL",
      Timeout: 60,
      Username: "root",
      CreatedBy: "USER",
    })),
  };
};

const describeAutomationAgentStatus: Action = ({ body, world }) => {
  onlyKnown(body, ["InstanceIds", "Filters", "Limit", "Offset"]);
  const ids = stringArray(body, "InstanceIds", 100) ?? [];
  const bad = ids.find((id) => !INSTANCE_ID_PATTERN.test(id));
  if (bad)
    throw new TatError("InvalidParameterValue.InvalidInstanceId", `Invalid instance ID ${bad.slice(0, 64)}`);
  const found = ids.flatMap((id) => {
    const status = world.agent(id);
    return status === undefined || status === "NotInstalled"
      ? []
      : [
          {
            InstanceId: id,
            AgentStatus: status,
            Version: "1.1.0",
            Environment: "Linux",
            SupportFeatures: [],
          },
        ];
  });
  const { offset, limit } = page(body, 100);
  return { TotalCount: found.length, AutomationAgentSet: found.slice(offset, offset + limit) };
};

export const ACTIONS: Readonly<Record<string, Action>> = {
  CreateInvoker: createInvoker,
  DescribeInvokers: describeInvokers,
  DeleteInvoker: deleteInvoker,
  DescribeCommands: describeCommands,
  DescribeAutomationAgentStatus: describeAutomationAgentStatus,
};
