import { TRACING_OFF, type Tracing } from "./tracing.js";
import { type TracingEnv, tracesUrl } from "./tracing-env.js";

/**
 * Tracing as configured: off (a no-op, and no OpenTelemetry module loaded: it is imported only
 * here, only when on) unless an OTLP endpoint is set. Call before anything is traced; shut it down
 * last, so the spans of closing are exported.
 */
export async function startTracing(env: TracingEnv): Promise<Tracing> {
  const url = tracesUrl(env);
  if (!url) return TRACING_OFF;
  const { startOtelTracing } = await import("./otel-tracing.js");
  return startOtelTracing(env, url);
}
