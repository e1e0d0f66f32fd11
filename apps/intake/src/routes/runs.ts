import type { BatchSummary } from "@tat-bulk/batches";
import { isFinalRun, statusesOf } from "@tat-bulk/runs";
import { INSTANCE_ID_PATTERN, MAX_INSTANCES_PER_BATCH, TASK_GROUPS } from "@tat-bulk/tat-api";
import { type Request, Router } from "express";
import { apiError } from "../api-error.js";
import { auditIntent } from "../audit/audit-requests.js";
import { checkAllowLists, requireScope } from "../callers/caller-guards.js";
import type { BatchRoutesDeps } from "./batch-services.js";
import { intParam, ownedBatch } from "./route-params.js";

const RUN_ID = /^(?:\d{8}T\d{6}Z|rerun-\d{1,9})$/;
const MAX_INSTANCE_PAGE = 10_000;

/** The path's run ID; a malformed one is as unknown as a missing run (404). */
function runIdParam(req: Request, batchId: string): string {
  const id = req.params.runId;
  if (typeof id !== "string" || !RUN_ID.test(id)) throw runNotFound(batchId, String(id).slice(0, 40));
  return id;
}
const runNotFound = (batchId: string, runId: string) =>
  apiError("ResourceNotFound", `No run ${runId} of batch ${batchId}`);

/** A rerun's `Instances`: "failed" (the default), or a list of the run's instance IDs. */
function rerunInstances(req: Request): "failed" | string[] {
  const body: unknown = req.body;
  if (body === undefined || body === null || (typeof body === "object" && Object.keys(body).length === 0)) {
    return "failed";
  }
  if (typeof body !== "object" || Array.isArray(body))
    throw apiError("InvalidParameter", "The body must be a JSON object");
  const unknown = Object.keys(body).filter((k) => k !== "Instances");
  if (unknown.length)
    throw apiError("UnknownParameter", `Unknown parameter: ${unknown.join(", ").slice(0, 100)}`);
  const instances = (body as { Instances?: unknown }).Instances;
  if (instances === "failed") return "failed";
  if (!Array.isArray(instances) || instances.length === 0 || instances.length > MAX_INSTANCES_PER_BATCH) {
    throw apiError(
      "InvalidParameterValue",
      'Instances must be "failed" or a list of 1 to 100,000 instance IDs',
    );
  }
  const bad = instances.find((id) => typeof id !== "string" || !INSTANCE_ID_PATTERN.test(id));
  if (bad !== undefined) {
    throw apiError(
      "InvalidParameterValue.InvalidInstanceId",
      `${String(bad).slice(0, 40)} is not an instance ID`,
    );
  }
  return [...new Set(instances as string[])];
}

/**
 * A batch's runs: what its invokers ran at each scheduled time (and reruns), per instance, with
 * outputs of what did not succeed and the failures grouped; and a rerun of a run's failed (or
 * listed) instances with InvokeCommand.
 */
export function runsRouter(deps: BatchRoutesDeps): Router {
  const router = Router();
  const { batches, metrics } = deps;
  const read = requireScope("batches:read", deps.metrics);
  const run = async (req: Request, summary: BatchSummary) => {
    const runId = runIdParam(req, summary.BatchId);
    const found = await batches.runs.get(summary.BatchId, runId);
    if (!found) throw runNotFound(summary.BatchId, runId);
    return found;
  };

  router.get("/invoker-batches/:batchId/runs", read, async (req, res) => {
    const offset = intParam(req, "offset", 0, 0, 1_000_000);
    const limit = intParam(req, "limit", 20, 1, 100);
    const { BatchId } = await ownedBatch(req, batches.reads);
    const page = await batches.runs.list(BatchId, offset, limit);
    res.json({ TotalCount: page.total, Runs: page.runs, RequestId: req.id });
  });

  router.get("/invoker-batches/:batchId/runs/:runId", read, async (req, res) => {
    res.json({ ...(await run(req, await ownedBatch(req, batches.reads))), RequestId: req.id });
  });

  router.get("/invoker-batches/:batchId/runs/:runId/instances", read, async (req, res) => {
    const offset = intParam(req, "offset", 0, 0, MAX_INSTANCES_PER_BATCH);
    const limit = intParam(req, "limit", 1000, 1, MAX_INSTANCE_PAGE);
    const filter = req.query.status;
    const statuses = statusesOf(typeof filter === "string" ? filter : undefined);
    if (filter !== undefined && (typeof filter !== "string" || !statuses)) {
      throw apiError(
        "InvalidParameterValue",
        `status must be a TaskStatus or one of ${Object.keys(TASK_GROUPS).join(", ")}`,
      );
    }
    const summary = await ownedBatch(req, batches.reads);
    const { RunId } = await run(req, summary);
    const page = await batches.runs.instances(summary.BatchId, RunId, statuses ?? [], offset, limit);
    res.json({ TotalCount: page.total, Instances: page.items, RequestId: req.id });
  });

  router.post(
    "/invoker-batches/:batchId/runs/:runId/rerun",
    requireScope("batches:write", metrics),
    deps.memoryGate,
    auditIntent(deps.audit, "rerun", (req) => {
      const asked = (req.body as { Instances?: unknown } | undefined)?.Instances;
      return {
        RunId: String(req.params.runId).slice(0, 40),
        Instances: Array.isArray(asked) ? asked.length : "failed",
      };
    }),
    async (req, res) => {
      const summary = await ownedBatch(req, batches.reads);
      const source = await run(req, summary);
      const asked = rerunInstances(req);
      if (!isFinalRun(source.Status)) {
        throw apiError(
          "FailedOperation.RunInProgress",
          `Run ${source.RunId} is still ${source.Status}; rerun it once it ends`,
        );
      }
      // A rerun runs the batch's command again: the caller must still be allowed to.
      checkAllowLists(
        req.caller,
        { ...summary.request, Region: summary.request.Region || deps.defaultRegion },
        metrics,
      );
      let instanceIds: string[];
      if (asked === "failed") {
        instanceIds = await batches.runs.instanceIdsIn(summary.BatchId, source.RunId, TASK_GROUPS.Failed);
        if (instanceIds.length === 0)
          throw apiError("InvalidParameterValue", `Run ${source.RunId} has no failed instance`);
      } else {
        const known = await batches.runs.inRun(summary.BatchId, source.RunId, asked);
        const outside = asked.filter((_id, i) => !known[i]);
        if (outside.length) {
          throw apiError(
            "InvalidParameterValue",
            `${outside.length} instance(s) are not in run ${source.RunId}: ${outside.slice(0, 5).join(", ")}`,
          );
        }
        instanceIds = asked;
      }
      const runId = await batches.runStore.createRerun(summary.BatchId, source.RunId, instanceIds);
      req.log.info({ batchId: summary.BatchId, runId, instances: instanceIds.length }, "rerun asked");
      res.status(202).json({
        BatchId: summary.BatchId,
        RunId: runId,
        InstanceCount: instanceIds.length,
        StatusUrl: `/v1/invoker-batches/${summary.BatchId}/runs/${runId}`,
        RequestId: req.id,
      });
    },
  );

  return router;
}
