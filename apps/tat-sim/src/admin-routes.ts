import type { IncomingMessage, ServerResponse } from "node:http";
import { z } from "zod";
import { AGENT_OVERRIDES } from "./agents.js";
import { faultScriptSchema, faultSettingsPatchSchema, outageSchema } from "./faults.js";
import { readBody, sendJson } from "./http-io.js";
import { taskStatusAt } from "./invocation-store.js";
import type { SimulatorState } from "./simulator-state.js";

function isLoopback(address: string | undefined): boolean {
  return (
    address === "::1" || address?.startsWith("127.") === true || address?.startsWith("::ffff:127.") === true
  );
}

async function jsonBody<T>(req: IncomingMessage, schema: z.ZodType<T>): Promise<T> {
  const raw = await readBody(req, 1024 * 1024);
  return schema.parse(raw.length ? JSON.parse(raw.toString("utf8")) : {});
}

/**
 * `/__admin`: inspect and steer the simulator (tests, benchmarks, people trying things). Loopback
 * only unless TAT_SIM_ADMIN_ANY_ADDRESS: it has no auth.
 */
export async function handleAdmin(
  state: SimulatorState,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  if (!state.config.TAT_SIM_ADMIN_ANY_ADDRESS && !isLoopback(req.socket.remoteAddress)) {
    sendJson(res, 403, { error: "the admin API answers loopback clients only" });
    return;
  }
  const route = `${req.method} ${(req.url ?? "").split("?")[0]}`;
  try {
    switch (route) {
      case "GET /__admin/invokers":
        return sendJson(res, 200, { invokers: state.invokers.all() });
      case "GET /__admin/stats":
        return sendJson(res, 200, {
          ...state.stats.snapshot(),
          invokers: state.invokers.size,
          duplicates: state.invokers.duplicates,
          rate: { limit: state.rate.limit, mode: state.rate.mode },
        });
      case "POST /__admin/agents": {
        const change = await jsonBody(
          req,
          z.strictObject({
            InstanceIds: z.array(z.string()).min(1).max(100_000),
            AgentStatus: z.enum(AGENT_OVERRIDES),
          }),
        );
        state.agents.override(change.InstanceIds, change.AgentStatus);
        return sendJson(res, 200, { ok: true });
      }
      case "POST /__admin/agents/status": {
        // The truth behind what the API shows: how each instance's agent really is (tests compare).
        const { InstanceIds } = await jsonBody(
          req,
          z.strictObject({ InstanceIds: z.array(z.string()).max(100_000) }),
        );
        const statuses = Object.fromEntries(
          InstanceIds.map((id) => [id, state.agents.status(id) ?? "Missing"]),
        );
        return sendJson(res, 200, { statuses });
      }
      case "GET /__admin/invocations": {
        // The truth behind what the API shows: every invocation with each task's status and end now.
        const now = Date.now();
        return sendJson(res, 200, {
          invocations: state.invocations.all().map((invocation) => ({
            InvocationId: invocation.InvocationId,
            InvokerId: invocation.invokerId ?? null,
            InvocationSource: invocation.InvocationSource,
            CommandId: invocation.CommandId,
            CreatedAt: invocation.createdAt,
            Tasks: invocation.tasks.map((task) => ({
              InstanceId: task.InstanceId,
              InvocationTaskId: task.InvocationTaskId,
              TaskStatus: taskStatusAt(task, now),
              Final: task.final,
              ExitCode: task.exitCode,
              Output: task.output,
              EndAt: task.endAt,
            })),
          })),
        });
      }
      case "POST /__admin/stats/reset":
        // The counters only: what a benchmark measures from here on (invokers and runs stay).
        state.stats.reset();
        state.rate.reset();
        return sendJson(res, 200, { ok: true });
      case "POST /__admin/reset":
        state.agents.clear();
        state.invokers.clear();
        state.invocations.clear();
        state.firing.clear();
        state.stats.reset();
        state.rate.reset();
        state.faults.clearScripts();
        state.faults.clearOutage();
        return sendJson(res, 200, { ok: true });
      case "POST /__admin/outage":
        return sendJson(res, 200, state.faults.startOutage(await jsonBody(req, outageSchema)));
      case "GET /__admin/outage":
        return sendJson(res, 200, state.faults.outageReport() ?? { active: false, calls: [] });
      case "DELETE /__admin/outage":
        state.faults.endOutage();
        return sendJson(res, 200, state.faults.outageReport() ?? { active: false, calls: [] });
      case "GET /__admin/faults":
        return sendJson(res, 200, state.faults.settings);
      case "PATCH /__admin/faults":
        state.faults.patch(await jsonBody(req, faultSettingsPatchSchema));
        return sendJson(res, 200, state.faults.settings);
      case "POST /__admin/faults/script":
        state.faults.addScript(await jsonBody(req, faultScriptSchema));
        return sendJson(res, 200, { ok: true });
      case "DELETE /__admin/faults/script":
        state.faults.clearScripts();
        return sendJson(res, 200, { ok: true });
      case "PATCH /__admin/rate": {
        const patch = await jsonBody(
          req,
          z.strictObject({
            limit: z.number().int().positive().optional(),
            mode: z.enum(["sliding", "fixed"]).optional(),
          }),
        );
        if (patch.limit !== undefined) state.rate.limit = patch.limit;
        if (patch.mode !== undefined) state.rate.mode = patch.mode;
        state.rate.reset();
        return sendJson(res, 200, { limit: state.rate.limit, mode: state.rate.mode });
      }
      default:
        return sendJson(res, 404, { error: `no admin route ${route}` });
    }
  } catch (error) {
    sendJson(res, 400, { error: error instanceof Error ? error.message : String(error) });
  }
}
