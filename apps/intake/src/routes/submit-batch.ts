import { createHash } from "node:crypto";
import {
  chunkInstances,
  DEFAULT_ACCOUNT,
  invokerBatchSchema,
  MAX_INSTANCES_PER_BATCH,
  TAT_MAX_INSTANCES_PER_CALL,
  validateInvokerRequest,
} from "@tat-bulk/tat-api";
import { isAllowedCallback } from "@tat-bulk/webhooks";
import { type Request, Router } from "express";
import { apiError } from "../api-error.js";
import { auditIntent, intentWritten, outcomeCommitted, outcomeInCommit } from "../audit/audit-requests.js";
import { checkAllowLists, requireScope } from "../callers/caller-guards.js";
import { withinQuota } from "../callers/caller-quota.js";
import type { BatchRoutesDeps } from "./batch-services.js";

const IDEMPOTENCY_KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;

/** A request value as the audit trail records it: short, printable; undefined when absent. */
function auditText(value: unknown): string | undefined {
  if (typeof value !== "string" && typeof value !== "number") return undefined;
  return String(value)
    .replace(/[^\x20-\x7e]/g, "?")
    .slice(0, 64);
}

/** What a submit's audit entry says of it (from the body as sent, before validation). */
function submitDetails(req: Request): Record<string, string | number | boolean> {
  const body: Record<string, unknown> = typeof req.body === "object" && req.body ? req.body : {};
  const details: Record<string, string | number | boolean> = {
    Instances: Array.isArray(body.InstanceIds) ? body.InstanceIds.length : 0,
    IdempotencyKey: req.get("idempotency-key") !== undefined,
  };
  for (const field of ["CommandId", "Region", "Account", "Priority"]) {
    const text = auditText(body[field]);
    if (text !== undefined) details[field] = text;
  }
  if (typeof body.CallbackUrl === "string") {
    details.CallbackHost =
      auditText(URL.canParse(body.CallbackUrl) ? new URL(body.CallbackUrl).host : "invalid") ?? "";
  }
  return details;
}

/** POST /invoker-batches: validate as TAT would, chunk, and enqueue; 202 with where to follow it. */
export function submitBatchRouter(deps: BatchRoutesDeps): Router {
  const router = Router();
  const { batches, now } = deps;

  router.post(
    "/invoker-batches",
    requireScope("batches:write", deps.metrics),
    deps.memoryGate,
    auditIntent(deps.audit, "submit", submitDetails, { overlap: true }),
    async (req, res) => {
      const caller = req.caller;
      const rejected = () => deps.metrics.batches.inc({ outcome: "rejected", caller: caller.MetricsLabel });
      const idempotencyKey = req.get("idempotency-key");
      if (idempotencyKey !== undefined && !IDEMPOTENCY_KEY_PATTERN.test(idempotencyKey)) {
        throw apiError(
          "InvalidParameterValue",
          "Idempotency-Key must be 1 to 255 printable ASCII characters",
        );
      }
      if (!req.body || Number(req.get("content-length") ?? "1") === 0) {
        throw apiError("InvalidParameter", "The body must be a JSON object");
      }
      const validation = validateInvokerRequest(invokerBatchSchema, req.body, now(), MAX_INSTANCES_PER_BATCH);
      if (!validation.ok) {
        rejected();
        throw apiError(validation.error.code, validation.error.message);
      }
      const { InstanceIds, ...fields } = validation.value;
      if (fields.CallbackUrl !== undefined && !isAllowedCallback(fields.CallbackUrl, deps.webhookHosts)) {
        rejected();
        throw apiError(
          "InvalidParameterValue",
          deps.webhookHosts.length === 0
            ? "CallbackUrl: webhooks are off (WEBHOOK_ALLOWED_HOSTS is empty)"
            : "CallbackUrl: its host is not in WEBHOOK_ALLOWED_HOSTS",
        );
      }
      const request = { ...fields, Region: fields.Region ?? deps.defaultRegion };
      checkAllowLists(caller, request, deps.metrics);
      const accounts = await batches.accounts();
      if (!accounts.has(request.Account ?? DEFAULT_ACCOUNT)) {
        rejected();
        // Which accounts the workers do hold is not the caller's to learn.
        throw apiError(
          "InvalidParameterValue.Account",
          `Account ${request.Account ?? DEFAULT_ACCOUNT} is not an account the workers hold`,
        );
      }
      const chunked = chunkInstances(InstanceIds, TAT_MAX_INSTANCES_PER_CALL);
      // Idempotency keys are per caller: two callers may pick the same one.
      const callerKey = idempotencyKey === undefined ? undefined : `${caller.Name}:${idempotencyKey}`;
      const idempotency = callerKey
        ? {
            key: callerKey,
            fingerprint: createHash("sha256").update(JSON.stringify({ request, InstanceIds })).digest("hex"),
          }
        : undefined;
      // Nothing has changed yet; from here on it does, and only once the intent is in the trail.
      await intentWritten(res);
      const accepted = 202;
      // The request's span is the root of the batch's trace: its workers' spans join it from this.
      const trace = deps.tracing.traceparent();
      // The write is told on the request's span (a span of its own would double a small submit's
      // tracing cost): what was written, how, and how long it took.
      const write = async (create: () => ReturnType<typeof batches.writer.create>) => {
        const started = performance.now();
        const written = await create();
        deps.tracing.annotate({
          "tat_bulk.instances": chunked.uniqueCount,
          "tat_bulk.chunks": chunked.chunks.length,
          "tat_bulk.write": written.kind,
          "tat_bulk.write_ms": Math.round((performance.now() - started) * 10) / 10,
          ...("summary" in written ? { "tat_bulk.batch_id": written.summary.BatchId } : {}),
        });
        return written;
      };
      const result = await withinQuota(deps.quota, caller, chunked.uniqueCount, callerKey, () =>
        write(() =>
          batches.writer.create(
            {
              caller: caller.Name,
              weight: caller.Weight,
              request,
              chunks: chunked.chunks,
              instanceCount: chunked.uniqueCount,
              duplicatesRemoved: chunked.duplicatesRemoved,
              ...(idempotency ? { idempotency } : {}),
              ...(trace ? { trace } : {}),
            },
            outcomeInCommit(deps.audit, req, res, accepted),
          ),
        ),
      );
      if (result.kind === "created" && result.alsoCommitted) outcomeCommitted(res, accepted);
      if (result.kind === "idempotency-conflict") {
        rejected();
        throw apiError(
          "InvalidParameter.IdempotencyKeyReused",
          "This Idempotency-Key was used with a different body",
        );
      }
      if (result.kind === "idempotency-in-progress") {
        throw apiError(
          "FailedOperation.IdempotencyKeyInProgress",
          "The first request with this Idempotency-Key is still being written; try again shortly",
          { "Retry-After": "1" },
        );
      }
      if (result.kind === "not-replicated") {
        throw apiError(
          "ResourceUnavailable.Replica",
          `No batch was made: ${result.replicas} replica(s) confirmed it in time; try again`,
          { "Retry-After": "5" },
        );
      }
      const { summary } = result;
      res.locals.auditBatchId = summary.BatchId;
      if (result.kind === "committed-unreplicated") {
        // It will run: a retry with the same Idempotency-Key answers it (without a key, a new one).
        throw apiError(
          "ResourceUnavailable.Replica",
          `Batch ${summary.BatchId} was accepted but ${result.replicas} replica(s) confirmed it in time: a failover now could lose it. Send the same request with the same Idempotency-Key to learn its fate`,
          { "Retry-After": "5" },
        );
      }
      const labels = { caller: caller.MetricsLabel };
      if (result.kind === "created") {
        deps.metrics.batches.inc({ outcome: "accepted", ...labels });
        deps.metrics.instancesReceived.inc(labels, summary.InstanceCount);
        deps.metrics.chunksEnqueued.inc(labels, summary.ChunkCount);
        req.log.info(
          { batchId: summary.BatchId, chunks: summary.ChunkCount, caller: caller.Name },
          "batch accepted",
        );
      } else {
        deps.metrics.batches.inc({ outcome: "replayed", ...labels });
        res.setHeader("Idempotent-Replayed", "true");
      }
      const statusUrl = `/v1/invoker-batches/${summary.BatchId}`;
      res.status(accepted).location(statusUrl).json({
        BatchId: summary.BatchId,
        InstanceCount: summary.InstanceCount,
        ChunkCount: summary.ChunkCount,
        DuplicatesRemoved: summary.DuplicatesRemoved,
        StatusUrl: statusUrl,
        RequestId: req.id,
      });
    },
  );

  return router;
}
