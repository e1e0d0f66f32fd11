/**
 * The standard OpenTelemetry variables the apps read (validated by each app's zod schema, see
 * @tat-bulk/config's tracingEnv). Tracing is on when an OTLP endpoint is set and the SDK is not
 * disabled.
 */
export interface TracingEnv {
  OTEL_SERVICE_NAME: string;
  OTEL_SDK_DISABLED: boolean;
  OTEL_EXPORTER_OTLP_ENDPOINT?: string | undefined;
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?: string | undefined;
  OTEL_EXPORTER_OTLP_PROTOCOL: "http/protobuf" | "http/json";
  OTEL_EXPORTER_OTLP_HEADERS: ReadonlyMap<string, string>;
  OTEL_TRACES_SAMPLER: TracesSampler;
  OTEL_TRACES_SAMPLER_ARG: number;
  OTEL_BSP_SCHEDULE_DELAY: number;
  OTEL_BSP_MAX_EXPORT_BATCH_SIZE: number;
  OTEL_BSP_MAX_QUEUE_SIZE: number;
}

export const TRACES_SAMPLERS = [
  "parentbased_always_on",
  "parentbased_always_off",
  "parentbased_traceidratio",
  "always_on",
  "always_off",
  "traceidratio",
] as const;
export type TracesSampler = (typeof TRACES_SAMPLERS)[number];

/** Where spans go (the OTLP/HTTP traces URL), or undefined when tracing is off. */
export function tracesUrl(env: TracingEnv): string | undefined {
  if (env.OTEL_SDK_DISABLED) return undefined;
  if (env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) return env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT;
  const base = env.OTEL_EXPORTER_OTLP_ENDPOINT;
  return base ? `${base.replace(/\/+$/, "")}/v1/traces` : undefined;
}
