export { startTracing } from "./start-tracing.js";
export {
  jobTelemetry,
  type SpanAttributes,
  TRACING_OFF,
  type TraceIds,
  type TraceSpan,
  type Tracing,
  traceIdOf,
} from "./tracing.js";
export { TRACES_SAMPLERS, type TracesSampler, type TracingEnv, tracesUrl } from "./tracing-env.js";
