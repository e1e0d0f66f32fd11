import {
  collectDefaultMetrics,
  type OpenMetricsContentType,
  type PrometheusContentType,
  Registry,
} from "prom-client";

/** A registry answering in the Prometheus text format, or in OpenMetrics (which carries exemplars). */
export type ServiceRegistry = Registry<PrometheusContentType> | Registry<OpenMetricsContentType>;

/**
 * A process's own registry with Node's default metrics: how every tat-bulk process starts its
 * metrics. `openMetrics`: it answers in the OpenMetrics format (needed for exemplars).
 */
export function createServiceRegistry(options: { openMetrics?: boolean } = {}): ServiceRegistry {
  if (options.openMetrics) {
    const registry = new Registry<OpenMetricsContentType>();
    registry.setContentType(Registry.OPENMETRICS_CONTENT_TYPE);
    collectDefaultMetrics({ register: registry });
    return registry;
  }
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return registry;
}
