export {
  closeServer,
  createHealthServer,
  HEALTH_PATHS,
  type HealthOptions,
  listen,
  type ServiceApp,
  serveHealth,
} from "./health-routes.js";
export { metricFactory } from "./metric-factory.js";
export { redisAnswers, redisMemoryGauges, redisUpGauge, within } from "./redis-up-gauge.js";
export { createServiceRegistry, type ServiceRegistry } from "./service-registry.js";
