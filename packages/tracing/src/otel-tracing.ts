import {
  context,
  type Context as OtelContext,
  propagation,
  type Span,
  SpanKind,
  SpanStatusCode,
  trace,
} from "@opentelemetry/api";
import { OTLPTraceExporter as JsonExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { OTLPTraceExporter as ProtobufExporter } from "@opentelemetry/exporter-trace-otlp-proto";
import { NodeSDK } from "@opentelemetry/sdk-node";
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  BatchSpanProcessor,
  ParentBasedSampler,
  type Sampler,
  SamplingDecision,
  TraceIdRatioBasedSampler,
} from "@opentelemetry/sdk-trace";
import { BullMQOtel } from "bullmq-otel";
import type { SpanAttributes, TraceSpan, Tracing } from "./tracing.js";
import type { TracingEnv } from "./tracing-env.js";

const KINDS = {
  server: SpanKind.SERVER,
  client: SpanKind.CLIENT,
  producer: SpanKind.PRODUCER,
  consumer: SpanKind.CONSUMER,
} as const;

/**
 * BullMQ's spans of a worker's own upkeep (a fetch that found no job, the stalled-jobs check, lock
 * renewal, a rate-limit pause), which would open a trace of one span every few seconds per queue
 * and process: dropped when they have no parent. A fetch that brings a job has the job's context
 * as its parent and is kept.
 */
const HOUSEKEEPING = /^(getNextJob|moveStalledJobsToWait|startStalledCheckTimer|extendLocks|rateLimit) /;

function withoutHousekeeping(inner: Sampler): Sampler {
  return {
    shouldSample(ctx, traceId, name, kind, attributes, links) {
      if (!trace.getSpanContext(ctx) && HOUSEKEEPING.test(name)) {
        return { decision: SamplingDecision.NOT_RECORD };
      }
      return inner.shouldSample(ctx, traceId, name, kind, attributes, links);
    },
    toString: () => `WithoutHousekeeping{${inner.toString()}}`,
  };
}

function sampler(env: TracingEnv): Sampler {
  const ratio = new TraceIdRatioBasedSampler(env.OTEL_TRACES_SAMPLER_ARG);
  switch (env.OTEL_TRACES_SAMPLER) {
    case "always_on":
      return new AlwaysOnSampler();
    case "always_off":
      return new AlwaysOffSampler();
    case "traceidratio":
      return ratio;
    case "parentbased_always_off":
      return new ParentBasedSampler({ root: new AlwaysOffSampler() });
    case "parentbased_traceidratio":
      return new ParentBasedSampler({ root: ratio });
    case "parentbased_always_on":
      return new ParentBasedSampler({ root: new AlwaysOnSampler() });
  }
}

/** The attributes that have a value (a loop, not entries/filter: it runs for every span). */
function defined(attributes: SpanAttributes): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  for (const key in attributes) {
    const value = attributes[key];
    if (value !== undefined) out[key] = value;
  }
  return out;
}

function handle(span: Span): TraceSpan {
  return {
    setAttributes: (attributes) => span.setAttributes(defined(attributes)),
    fail: (code, message) => {
      span.setAttribute("error.type", code);
      span.setStatus({ code: SpanStatusCode.ERROR, message: message ?? code });
    },
    rename: (name) => span.updateName(name),
  };
}

/** Tracing on: the Node SDK with an OTLP/HTTP exporter (protobuf or JSON), traces only. */
export function startOtelTracing(env: TracingEnv, url: string): Tracing {
  const options = { url, headers: Object.fromEntries(env.OTEL_EXPORTER_OTLP_HEADERS) };
  const exporter =
    env.OTEL_EXPORTER_OTLP_PROTOCOL === "http/json"
      ? new JsonExporter(options)
      : new ProtobufExporter(options);
  const sdk = new NodeSDK({
    serviceName: env.OTEL_SERVICE_NAME,
    sampler: withoutHousekeeping(sampler(env)),
    spanProcessors: [
      new BatchSpanProcessor({
        exporter,
        scheduledDelayMillis: env.OTEL_BSP_SCHEDULE_DELAY,
        maxExportBatchSize: Math.min(env.OTEL_BSP_MAX_EXPORT_BATCH_SIZE, env.OTEL_BSP_MAX_QUEUE_SIZE),
        maxQueueSize: env.OTEL_BSP_MAX_QUEUE_SIZE,
      }),
    ],
    // Metrics stay Prometheus's, logs pino's: the SDK exports traces only.
    metricReaders: [],
    logRecordProcessors: [],
    instrumentations: [],
  });
  sdk.start();
  const tracer = trace.getTracer("tat-bulk");
  const parentContext = (parent: string | undefined): OtelContext =>
    parent ? propagation.extract(context.active(), { traceparent: parent }) : context.active();
  const traceparentOf = (ctx: OtelContext): string | undefined => {
    const carrier: Record<string, string> = {};
    propagation.inject(ctx, carrier);
    return carrier.traceparent;
  };
  let shutdown: Promise<void> | undefined;
  return {
    enabled: true,
    async span(name, attributes, fn, options = {}) {
      const parent = parentContext(options.parent);
      const span = tracer.startSpan(
        name,
        { attributes: defined(attributes), kind: options.kind ? KINDS[options.kind] : SpanKind.INTERNAL },
        parent,
      );
      const ctx = trace.setSpan(parent, span);
      try {
        return await context.with(ctx, () => fn(handle(span)));
      } catch (error) {
        span.recordException(error instanceof Error ? error : String(error));
        span.setStatus({ code: SpanStatusCode.ERROR });
        throw error;
      } finally {
        span.end();
      }
    },
    annotate(attributes) {
      trace.getActiveSpan()?.setAttributes(defined(attributes));
    },
    mark(name, attributes, parent) {
      const ctx = parentContext(parent);
      const span = tracer.startSpan(name, { attributes: defined(attributes) }, ctx);
      span.end();
      return traceparentOf(trace.setSpan(ctx, span));
    },
    traceparent: () => traceparentOf(context.active()),
    ids() {
      const spanContext = trace.getActiveSpan()?.spanContext();
      return spanContext ? { trace_id: spanContext.traceId, span_id: spanContext.spanId } : undefined;
    },
    bullmq: new BullMQOtel("tat-bulk"),
    shutdown() {
      shutdown ??= sdk.shutdown().catch(() => {});
      return shutdown;
    },
  };
}
