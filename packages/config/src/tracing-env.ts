import { TRACES_SAMPLERS } from "@tat-bulk/tracing";
import { z } from "zod";
import { envField } from "./env-fields.js";

/** An http(s) URL (empty is unset, as parseEnv reads every variable). */
const httpUrl = () =>
  z
    .string()
    .regex(/^https?:\/\/[^\s]+$/, "must be an http:// or https:// URL")
    .optional();

/**
 * OpenTelemetry's standard variables, as far as tat-bulk reads them (traces over OTLP/HTTP only):
 * tracing is off, and no OpenTelemetry module is loaded, unless an OTLP endpoint is set.
 */
export const tracingEnv = (serviceName: string, exportBatch = 512) => ({
  /** The service name on this process's spans. */
  OTEL_SERVICE_NAME: z.string().min(1).default(serviceName),
  /**
   * Tracing: the OTLP/HTTP collector (Jaeger, the OpenTelemetry Collector…), such as
   * `http://jaeger:4318`; spans go to its `/v1/traces`. Unset (and no traces endpoint): tracing is off.
   */
  OTEL_EXPORTER_OTLP_ENDPOINT: httpUrl(),
  /** The traces URL itself, used as given (instead of the endpoint's `/v1/traces`). */
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: httpUrl(),
  /** `http/protobuf` or `http/json` (gRPC is not offered). */
  OTEL_EXPORTER_OTLP_PROTOCOL: z.enum(["http/protobuf", "http/json"]).default("http/protobuf"),
  /** Headers on each export, as `name=value,…` (a collector's API key). */
  OTEL_EXPORTER_OTLP_HEADERS: envField
    .pairs("=", "name=value", (_name, value) => value || undefined)
    .default(new Map<string, string>()),
  /** Which traces are kept: a batch's spans follow its root's decision with the parentbased samplers. */
  OTEL_TRACES_SAMPLER: z.enum(TRACES_SAMPLERS).default("parentbased_always_on"),
  /** The ratio of the traceidratio samplers. */
  OTEL_TRACES_SAMPLER_ARG: envField.probability(1),
  /** `true` turns tracing off whatever else is set. */
  OTEL_SDK_DISABLED: z
    .enum(["true", "false"])
    .default("false")
    .transform((value) => value === "true"),
  /** Milliseconds between span exports. */
  OTEL_BSP_SCHEDULE_DELAY: envField.positiveInt(5000),
  /**
   * Spans per export: OpenTelemetry's 512 on the intake; 64 on a worker, whose exports are then
   * encoded in shorter pauses (it keeps the send times of its TAT calls).
   */
  OTEL_BSP_MAX_EXPORT_BATCH_SIZE: envField.positiveInt(exportBatch),
  /** Spans waiting for export; beyond, new spans are dropped (counted by no one: size it generously). */
  OTEL_BSP_MAX_QUEUE_SIZE: envField.positiveInt(2048),
});
