export * from "./fixtures.js";
export * from "./free-port.js";
export * from "./namespace-keys.js";
export * from "./process-stack.js";
export * from "./redis-server.js";
export * from "./sim-admin.js";
export * from "./spawn-service.js";
export * from "./start-app.js";
