import { invokerBatchSchema } from "@tat-bulk/tat-api";
import { z } from "zod";

const errorBody = {
  type: "object",
  required: ["Error", "RequestId"],
  properties: {
    Error: {
      type: "object",
      required: ["Code", "Message"],
      properties: { Code: { type: "string" }, Message: { type: "string" } },
    },
    RequestId: { type: "string" },
  },
} as const;

const errors = (statuses: number[]) =>
  Object.fromEntries(
    statuses.map((s) => [
      String(s),
      { description: "Error", content: { "application/json": { schema: errorBody } } },
    ]),
  );

/** The OpenAPI 3.1 document; the request schema is generated from the zod schema that validates it. */
export function buildOpenApiDocument() {
  const request = z.toJSONSchema(invokerBatchSchema, { unrepresentable: "any", io: "input" });
  const batchIdParam = { name: "batchId", in: "path", required: true, schema: { type: "string" } };
  return {
    openapi: "3.1.0",
    info: {
      title: "tat-bulk intake",
      version: "1.0.0",
      description: "Bulk Tencent Cloud TAT CreateInvoker requests, chunked and rate-limited.",
    },
    components: {
      securitySchemes: { bearer: { type: "http", scheme: "bearer" } },
      schemas: { InvokerBatchRequest: request, Error: errorBody },
    },
    security: [{ bearer: [] }],
    paths: {
      "/v1/invoker-batches": {
        post: {
          summary: "Submit a bulk CreateInvoker request",
          parameters: [
            { name: "Idempotency-Key", in: "header", required: false, schema: { type: "string" } },
          ],
          requestBody: {
            required: true,
            content: { "application/json": { schema: { $ref: "#/components/schemas/InvokerBatchRequest" } } },
          },
          responses: { "202": { description: "Accepted" }, ...errors([400, 401, 409, 413]) },
        },
        get: {
          summary: "List recent batches, newest first",
          parameters: [
            { name: "offset", in: "query", schema: { type: "integer", minimum: 0 } },
            { name: "limit", in: "query", schema: { type: "integer", minimum: 1, maximum: 100 } },
          ],
          responses: { "200": { description: "Batches" }, ...errors([400, 401]) },
        },
      },
      "/v1/invoker-batches/{batchId}": {
        get: {
          summary: "Batch status with a page of chunks",
          parameters: [
            batchIdParam,
            { name: "chunkOffset", in: "query", schema: { type: "integer", minimum: 0 } },
            { name: "chunkLimit", in: "query", schema: { type: "integer", minimum: 0, maximum: 1000 } },
            {
              name: "status",
              in: "query",
              schema: { enum: ["QUEUED", "RUNNING", "SUCCEEDED", "FAILED", "CANCELLED"] },
            },
          ],
          responses: { "200": { description: "Status" }, ...errors([400, 401, 404]) },
        },
        delete: {
          summary: "Cancel the chunks not yet started",
          parameters: [batchIdParam],
          responses: { "200": { description: "Status after cancelling" }, ...errors([401, 404]) },
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
