import type { Agents } from "../agents.js";
import type { InvocationStore } from "../invocation-store.js";
import type { InvokerStore } from "../invoker-store.js";
import type { TaskSettings } from "../task-planner.js";
import { TatError } from "../tat-error.js";
import type { World } from "../world.js";

export interface ActionContext {
  body: Record<string, unknown>;
  region: string;
  world: World;
  agents: Agents;
  invokers: InvokerStore;
  invocations: InvocationStore;
  /** How the tasks of an invocation made now go. */
  tasks: TaskSettings;
  /** How DescribeAutomationAgentStatus answers a check that names an instance that does not exist. */
  missingInCheck: "omit" | "error";
  /** Epoch ms: the call's arrival. */
  now: number;
}

export type Action = (ctx: ActionContext) => Record<string, unknown>;

export function stringArray(body: Record<string, unknown>, field: string, max: number): string[] | undefined {
  const value = body[field];
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || value.some((v) => typeof v !== "string")) {
    throw new TatError("InvalidParameter", `${field} must be an array of strings`);
  }
  if (value.length > max)
    throw new TatError("InvalidParameterValue.Range", `${field} holds at most ${max} items`);
  return value as string[];
}

/** `Offset` and `Limit` as TAT reads them: Limit defaults to 20. */
export function page(body: Record<string, unknown>, maxLimit: number): { offset: number; limit: number } {
  const { Offset = 0, Limit = 20 } = body;
  if (!Number.isInteger(Offset) || (Offset as number) < 0) {
    throw new TatError("InvalidParameterValue", "Offset must be a non-negative integer");
  }
  if (!Number.isInteger(Limit) || (Limit as number) < 1 || (Limit as number) > maxLimit) {
    throw new TatError("InvalidParameterValue.Range", `Limit must be 1 to ${maxLimit}`);
  }
  return { offset: Offset as number, limit: Limit as number };
}

export function onlyKnown(body: Record<string, unknown>, known: readonly string[]): void {
  const unknown = Object.keys(body).filter((k) => !known.includes(k));
  if (unknown.length) throw new TatError("UnknownParameter", `Unknown parameter: ${unknown.join(", ")}`);
}

/** One `InvokerId` (the invoker lifecycle actions take one per call). */
export function invokerIdParam(body: Record<string, unknown>): string {
  onlyKnown(body, ["InvokerId"]);
  if (typeof body.InvokerId !== "string") throw new TatError("MissingParameter", "InvokerId is required");
  if (!/^ivk-[a-z0-9]{8}$/.test(body.InvokerId)) {
    throw new TatError(
      "InvalidParameterValue.InvalidInvokerId",
      `${body.InvokerId.slice(0, 64)} is not an invoker ID`,
    );
  }
  return body.InvokerId;
}
