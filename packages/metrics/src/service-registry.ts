import { collectDefaultMetrics, Registry } from "prom-client";

/** A process's own registry with Node's default metrics: how every tat-bulk process starts its metrics. */
export function createServiceRegistry(): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return registry;
}
