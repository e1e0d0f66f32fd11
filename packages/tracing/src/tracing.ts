import type { Telemetry } from "bullmq";

/** Span attributes: an undefined value is left out. */
export type SpanAttributes = Record<string, string | number | boolean | undefined>;

export interface TraceSpan {
  setAttributes(attributes: SpanAttributes): void;
  /** Marks the span failed (an error code, such as TAT's), without throwing. */
  fail(code: string, message?: string): void;
  rename(name: string): void;
}

/** The active span's IDs, as the logs carry them. */
export interface TraceIds {
  trace_id: string;
  span_id: string;
}

/**
 * What the code sees of tracing, on or off. The parent of a span is the active one, or a W3C
 * `traceparent` carried with a batch (stored in its hash), so that work done later, in another
 * process or after a restart, joins the batch's trace.
 */
export interface Tracing {
  readonly enabled: boolean;
  /** Runs `fn` in a new span (active while it runs; ended, and failed on a throw, when it settles). */
  span<T>(
    name: string,
    attributes: SpanAttributes,
    fn: (span: TraceSpan) => Promise<T>,
    options?: { parent?: string; kind?: "server" | "client" | "producer" | "consumer" },
  ): Promise<T>;
  /** Attributes on the active span (what a step found, where a span of its own would cost more). */
  annotate(attributes: SpanAttributes): void;
  /** A span of no duration (a decision such as the scheduler's pick); answers its traceparent. */
  mark(name: string, attributes: SpanAttributes, parent?: string): string | undefined;
  /** The active span's traceparent, to be stored with what it made. */
  traceparent(): string | undefined;
  ids(): TraceIds | undefined;
  /** BullMQ's own queue spans (bullmq-otel), for its `telemetry` option. */
  readonly bullmq: Telemetry | undefined;
  /** Exports what is left; idempotent. */
  shutdown(): Promise<void>;
}

const NO_SPAN: TraceSpan = { setAttributes() {}, fail() {}, rename() {} };

/** Tracing off: every call is a no-op, and nothing of OpenTelemetry is loaded. */
export const TRACING_OFF: Tracing = {
  enabled: false,
  span: (_name, _attributes, fn) => fn(NO_SPAN),
  annotate: () => {},
  mark: () => undefined,
  traceparent: () => undefined,
  ids: () => undefined,
  bullmq: undefined,
  shutdown: async () => {},
};

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-[0-9a-f]{2}$/;

/** The trace ID a traceparent names, or undefined when it is not one. */
export function traceIdOf(traceparent: string | undefined): string | undefined {
  return traceparent ? TRACEPARENT.exec(traceparent)?.[1] : undefined;
}

/** A BullMQ job's `telemetry.metadata` that makes its consumer span a child of `traceparent`. */
export function jobTelemetry(traceparent: string | undefined): { metadata: string } | undefined {
  return traceparent ? { metadata: JSON.stringify({ traceparent }) } : undefined;
}
