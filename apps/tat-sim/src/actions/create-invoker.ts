import {
  createInvokerCallSchema,
  instanceTypeOf,
  TAT_MAX_INSTANCES_PER_CALL,
  validateInvokerRequest,
} from "@tat-bulk/tat-api";
import { TatError } from "../tat-error.js";
import type { Action } from "./action.js";

/** CreateInvoker as TAT answers it: the whole call fails for one bad instance, without naming it. */
export const createInvoker: Action = ({ body, region, world, agents, invokers }) => {
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
  return { InvokerId: invokers.create(call, region).InvokerId };
};
