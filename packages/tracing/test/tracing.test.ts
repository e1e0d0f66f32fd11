import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import { jobTelemetry, startTracing, TRACING_OFF, traceIdOf } from "../src/index.js";
import type { TracingEnv } from "../src/tracing-env.js";

const PARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

const env = (endpoint?: string): TracingEnv => ({
  OTEL_SERVICE_NAME: "tracing-test",
  OTEL_SDK_DISABLED: false,
  OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
  OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
  OTEL_EXPORTER_OTLP_HEADERS: new Map([["x-test", "yes"]]),
  OTEL_TRACES_SAMPLER: "parentbased_always_on",
  OTEL_TRACES_SAMPLER_ARG: 1,
  OTEL_BSP_SCHEDULE_DELAY: 50,
  OTEL_BSP_MAX_EXPORT_BATCH_SIZE: 512,
  OTEL_BSP_MAX_QUEUE_SIZE: 2048,
});

describe("tracing", () => {
  it("reads a traceparent's trace ID, and makes a BullMQ job's telemetry from it", () => {
    expect(traceIdOf(PARENT)).toBe("0af7651916cd43dd8448eb211c80319c");
    expect(traceIdOf("00-xyz")).toBeUndefined();
    expect(jobTelemetry(PARENT)).toEqual({ metadata: JSON.stringify({ traceparent: PARENT }) });
    expect(jobTelemetry(undefined)).toBeUndefined();
  });

  it("is off without an endpoint: spans only run their function", async () => {
    const tracing = await startTracing(env());
    expect(tracing).toBe(TRACING_OFF);
    expect(await tracing.span("x", {}, async () => 42)).toBe(42);
    expect(tracing.traceparent()).toBeUndefined();
  });

  it("on: exports spans over OTLP/HTTP under the stored parent, with the configured headers", async () => {
    const bodies: Array<{ headers: Record<string, unknown>; body: string }> = [];
    const server = createServer((req, res) => {
      let body = "";
      req.on("data", (chunk: Buffer) => {
        body += chunk.toString();
      });
      req.on("end", () => {
        bodies.push({ headers: req.headers, body });
        res.writeHead(200, { "content-type": "application/json" }).end("{}");
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    const tracing = await startTracing(env(`http://127.0.0.1:${port}`));
    try {
      let inner: string | undefined;
      await tracing.span(
        "outer",
        { "tat_bulk.batch_id": "b-1", skipped: undefined },
        async () => {
          inner = tracing.traceparent();
          expect(tracing.ids()?.trace_id).toBe(traceIdOf(PARENT));
        },
        { parent: PARENT },
      );
      expect(traceIdOf(inner)).toBe(traceIdOf(PARENT));
      await expect(tracing.span("failing", {}, () => Promise.reject(new Error("no")))).rejects.toThrow("no");
      // BullMQ's upkeep makes no trace of its own; under a job's context it is kept.
      await tracing.span("getNextJob chunks", {}, async () => {});
      await tracing.span("extendLocks chunks", {}, async () => {});
      await tracing.span("getNextJob chunks", {}, async () => {}, { parent: PARENT });
    } finally {
      await tracing.shutdown();
      await tracing.shutdown();
      server.close();
    }
    expect(bodies.every((b) => b.headers["x-test"] === "yes")).toBe(true);
    const spans = bodies.flatMap((b) =>
      (
        JSON.parse(b.body) as {
          resourceSpans: Array<{
            scopeSpans: Array<{ spans: Array<{ name: string; traceId: string; parentSpanId?: string }> }>;
          }>;
        }
      ).resourceSpans.flatMap((r) => r.scopeSpans.flatMap((s) => s.spans)),
    );
    const outer = spans.find((s) => s.name === "outer");
    expect(outer).toMatchObject({ traceId: traceIdOf(PARENT), parentSpanId: "b7ad6b7169203331" });
    expect(spans.map((s) => s.name).sort()).toEqual(["failing", "getNextJob chunks", "outer"]);
    expect(spans.find((s) => s.name === "getNextJob chunks")?.traceId).toBe(traceIdOf(PARENT));
  });
});
