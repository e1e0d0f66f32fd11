import type { Action } from "./action.js";
import { describeAutomationAgentStatus } from "./agent-status.js";
import { createInvoker } from "./create-invoker.js";
import { describeCommands } from "./describe-commands.js";
import {
  describeInvocations,
  describeInvocationTasks,
  describeInvokerRecords,
  invokeCommand,
} from "./invocation-actions.js";
import { deleteInvoker, describeInvokers, disableInvoker, enableInvoker } from "./invoker-actions.js";

export type { Action, ActionContext } from "./action.js";

export const ACTIONS: Readonly<Record<string, Action>> = {
  CreateInvoker: createInvoker,
  DescribeInvokers: describeInvokers,
  DeleteInvoker: deleteInvoker,
  EnableInvoker: enableInvoker,
  DisableInvoker: disableInvoker,
  DescribeCommands: describeCommands,
  DescribeAutomationAgentStatus: describeAutomationAgentStatus,
  DescribeInvokerRecords: describeInvokerRecords,
  DescribeInvocations: describeInvocations,
  DescribeInvocationTasks: describeInvocationTasks,
  InvokeCommand: invokeCommand,
};
