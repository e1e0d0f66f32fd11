import type { Invoker } from "../invoker-store.js";
import { TatError } from "../tat-error.js";
import { type Action, invokerIdParam, onlyKnown, page, stringArray } from "./action.js";

const INVOKER_FILTERS: Record<string, (invoker: Invoker) => string> = {
  "invoker-id": (i) => i.InvokerId,
  "command-id": (i) => i.CommandId,
  "invoker-type": (i) => i.Type,
};

function publicInvoker({ Region: _r, createdAtMs: _c, ...invoker }: Invoker) {
  return invoker;
}

export const describeInvokers: Action = ({ body, invokers }) => {
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

const setEnabled =
  (enabled: boolean): Action =>
  ({ body, invokers }) => {
    const id = invokerIdParam(body);
    if (!invokers.setEnabled(id, enabled)) {
      throw new TatError("ResourceNotFound.InvokerNotFound", `Invoker ${id} does not exist`);
    }
    return {};
  };
export const enableInvoker = setEnabled(true);
export const disableInvoker = setEnabled(false);

export const deleteInvoker: Action = ({ body, invokers }) => {
  const id = invokerIdParam(body);
  if (!invokers.delete(id))
    throw new TatError("ResourceNotFound.InvokerNotFound", `Invoker ${id} does not exist`);
  return {};
};
