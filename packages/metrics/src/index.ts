export * from "./health-routes.js";
export * from "./metric-factory.js";
export * from "./redis-up-gauge.js";
export * from "./service-registry.js";
