import { CHUNK_STATUSES, INSTANCE_STATUSES } from "@tat-bulk/batches";
import { invokerBatchSchema, TASK_GROUPS } from "@tat-bulk/tat-api";
import { z } from "zod";
import { responseSchemas } from "./schemas.js";

const json = (schema: string, description: string) => ({
  description,
  content: { "application/json": { schema: { $ref: `#/components/schemas/${schema}` } } },
});
/**
 * Every /v1 route may also answer 401 (no valid key), 403 (a scope the caller lacks), 429 (the
 * caller's request rate) and 503 (with Retry-After): ServiceUnavailable while Redis is unreachable,
 * ResourceInsufficient.Memory or ResourceUnavailable.Replica for new work Redis could not keep.
 */
const errors = (statuses: number[]) =>
  Object.fromEntries(
    [...new Set([...statuses, 401, 403, 429, 503])]
      .sort()
      .map((s) => [String(s), json("Error", "An error, as TAT answers one")]),
  );
const query = (name: string, schema: object) => ({ name, in: "query", schema });
const batchIdParam = { name: "batchId", in: "path", required: true, schema: { type: "string" } };
const runIdParam = { name: "runId", in: "path", required: true, schema: { type: "string" } };

/** The OpenAPI 3.1 document; the request schema is generated from the zod schema that validates it. */
export function buildOpenApiDocument() {
  const request = z.toJSONSchema(invokerBatchSchema, { unrepresentable: "any", io: "input" });
  // The request's own fields as a batch's status repeats them, beside the status fields: open.
  const { additionalProperties: _closed, ...fields } = z.toJSONSchema(
    invokerBatchSchema.omit({ InstanceIds: true }),
    {
      unrepresentable: "any",
      io: "output",
    },
  );
  return {
    openapi: "3.1.0",
    info: {
      title: "tat-bulk intake",
      version: "1.0.0",
      description: "Bulk Tencent Cloud TAT CreateInvoker requests, chunked and rate-limited.",
    },
    components: {
      securitySchemes: { bearer: { type: "http", scheme: "bearer" } },
      schemas: { InvokerBatchRequest: request, InvokerBatchFields: fields, ...responseSchemas },
    },
    security: [{ bearer: [] }],
    paths: {
      "/v1/invoker-batches": {
        post: {
          operationId: "submitBatch",
          summary: "Submit a bulk CreateInvoker request",
          parameters: [
            { name: "Idempotency-Key", in: "header", required: false, schema: { type: "string" } },
          ],
          requestBody: {
            required: true,
            content: { "application/json": { schema: { $ref: "#/components/schemas/InvokerBatchRequest" } } },
          },
          responses: { "202": json("Accepted", "Accepted"), ...errors([400, 401, 409, 413]) },
        },
        get: {
          operationId: "listBatches",
          summary: "List recent batches, newest first",
          parameters: [
            query("offset", { type: "integer", minimum: 0 }),
            query("limit", { type: "integer", minimum: 1, maximum: 100 }),
            query("caller", { type: "string", description: "admin only: one caller's batches" }),
          ],
          responses: { "200": json("BatchList", "Batches"), ...errors([400, 401]) },
        },
      },
      "/v1/invoker-batches/{batchId}": {
        get: {
          operationId: "getBatch",
          summary: "Batch status with a page of chunks",
          parameters: [
            batchIdParam,
            query("chunkOffset", { type: "integer", minimum: 0 }),
            query("chunkLimit", { type: "integer", minimum: 0, maximum: 1000 }),
            query("status", { enum: [...CHUNK_STATUSES] }),
          ],
          responses: { "200": json("Batch", "Status"), ...errors([400, 401, 404]) },
        },
        delete: {
          operationId: "cancelBatch",
          summary:
            "Cancel: stop what is not sent, then disable (default), delete or keep the invokers already created; with purge=true, remove a finished batch now instead",
          parameters: [
            batchIdParam,
            query("invokers", { enum: ["disable", "delete", "keep"] }),
            query("purge", {
              enum: ["true"],
              description:
                "remove the finished batch and everything under it now (409 when it is not finished)",
            }),
          ],
          responses: {
            "200": {
              description: "Status after cancelling, or the purge done",
              content: {
                "application/json": {
                  schema: {
                    oneOf: [
                      { $ref: "#/components/schemas/Cancelled" },
                      { $ref: "#/components/schemas/Purged" },
                    ],
                  },
                },
              },
            },
            ...errors([400, 401, 404, 409]),
          },
        },
      },
      "/v1/invoker-batches/{batchId}/export": {
        get: {
          operationId: "exportBatch",
          summary:
            "The batch, its chunks, its instances, its runs and their instances as NDJSON lines, ending with an end line of counts",
          parameters: [batchIdParam],
          responses: {
            "200": {
              description:
                "One JSON object per line: Type batch, chunk, instance, run, run-instance, then end",
              content: { "application/x-ndjson": { schema: { type: "string" } } },
            },
            ...errors([401, 404]),
          },
        },
      },
      "/v1/invoker-batches/{batchId}/instances": {
        get: {
          operationId: "listInstances",
          summary: "The batch's instances with their outcomes, in chunk order",
          parameters: [
            batchIdParam,
            query("status", { enum: [...INSTANCE_STATUSES] }),
            query("offset", { type: "integer", minimum: 0 }),
            query("limit", { type: "integer", minimum: 1, maximum: 10_000 }),
          ],
          responses: { "200": json("InstancePage", "Instances"), ...errors([400, 401, 404]) },
        },
      },
      "/v1/invoker-batches/{batchId}/runs": {
        get: {
          operationId: "listRuns",
          summary:
            "The batch's runs (its invokers' firings at each scheduled time, and reruns), newest first",
          parameters: [
            batchIdParam,
            query("offset", { type: "integer", minimum: 0 }),
            query("limit", { type: "integer", minimum: 1, maximum: 100 }),
          ],
          responses: { "200": json("RunPage", "Runs"), ...errors([400, 401, 404]) },
        },
      },
      "/v1/invoker-batches/{batchId}/runs/{runId}": {
        get: {
          operationId: "readRun",
          summary: "One run, with its failed instances grouped by status, exit code and output",
          parameters: [batchIdParam, runIdParam],
          responses: { "200": json("RunDetail", "The run"), ...errors([401, 404]) },
        },
      },
      "/v1/invoker-batches/{batchId}/runs/{runId}/instances": {
        get: {
          operationId: "listRunInstances",
          summary: "A run's instances with their task status and, where it did not succeed, output",
          parameters: [
            batchIdParam,
            runIdParam,
            query("status", {
              type: "string",
              description: `A TaskStatus, or a group: ${Object.keys(TASK_GROUPS).join(", ")}`,
            }),
            query("offset", { type: "integer", minimum: 0 }),
            query("limit", { type: "integer", minimum: 1, maximum: 10_000 }),
          ],
          responses: { "200": json("RunInstancePage", "Instances"), ...errors([400, 401, 404]) },
        },
      },
      "/v1/invoker-batches/{batchId}/runs/{runId}/rerun": {
        post: {
          operationId: "rerun",
          summary: "Run the batch's command again on a finished run's failed (or listed) instances",
          parameters: [batchIdParam, runIdParam],
          requestBody: {
            required: false,
            content: {
              "application/json": {
                schema: {
                  type: "object",
                  additionalProperties: false,
                  properties: {
                    Instances: { anyOf: [{ const: "failed" }, { type: "array", items: { type: "string" } }] },
                  },
                },
              },
            },
          },
          responses: { "202": json("RerunAccepted", "Rerun accepted"), ...errors([400, 401, 404, 409]) },
        },
      },
      "/v1/invoker-batches/{batchId}/retry": {
        post: {
          operationId: "retryBatch",
          summary: "Send the batch's failed instances again (agents back online); safe to call twice",
          parameters: [batchIdParam],
          responses: { "202": json("RetryAccepted", "Requeued"), ...errors([401, 404, 409]) },
        },
      },
      ...Object.fromEntries(
        (
          [
            ["disable", "disableInvokers", "Disable every invoker of the batch (can be undone)"],
            ["enable", "enableInvokers", "Enable every invoker of the batch again"],
            ["delete-invokers", "deleteInvokers", "Delete every invoker of the batch"],
          ] as const
        ).map(([path, operationId, summary]) => [
          `/v1/invoker-batches/{batchId}/${path}`,
          {
            post: {
              operationId,
              summary,
              parameters: [batchIdParam],
              responses: { "202": json("InvokerActionAccepted", "Queued"), ...errors([401, 404]) },
            },
          },
        ]),
      ),
      "/v1/audit": {
        get: {
          operationId: "readAudit",
          summary: "The audit trail, newest first (admin)",
          parameters: [
            query("caller", { type: "string" }),
            query("batchId", { type: "string" }),
            query("since", { type: "string", description: "ISO time or epoch milliseconds" }),
            query("limit", { type: "integer", minimum: 1, maximum: 1000 }),
            query("before", { type: "string", description: "An entry's Id (NextBefore): the page after it" }),
          ],
          responses: { "200": json("AuditPage", "Entries"), ...errors([400]) },
        },
      },
      "/v1/admin/dead-letters": {
        get: {
          operationId: "listDeadLetters",
          summary: "Jobs the workers parked after WORKER_JOB_MAX_ERRORS unforeseen errors in a row (admin)",
          parameters: [query("limit", { type: "integer", minimum: 1, maximum: 1000 })],
          responses: { "200": json("DeadLetterList", "Parked jobs, newest first"), ...errors([400]) },
        },
      },
      "/v1/admin/dead-letters/{queue}/{jobId}/retry": {
        post: {
          operationId: "retryDeadLetter",
          summary: "Send a parked job again, its error count reset (admin, audited)",
          parameters: [
            { name: "queue", in: "path", required: true, schema: { enum: ["chunks", "runs"] } },
            { name: "jobId", in: "path", required: true, schema: { type: "string" } },
          ],
          responses: { "200": json("DeadLetterRetried", "Sent again"), ...errors([400, 404]) },
        },
      },
      "/healthz": {
        get: { security: [], summary: "Process alive", responses: { "200": { description: "OK" } } },
      },
      "/readyz": {
        get: {
          security: [],
          summary: "Redis reachable",
          responses: { "200": { description: "Ready" }, "503": { description: "Not ready" } },
        },
      },
      "/metrics": {
        get: {
          security: [],
          summary: "Prometheus metrics",
          responses: { "200": { description: "Metrics" } },
        },
      },
    },
  };
}
