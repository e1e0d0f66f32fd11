export * from "./batch-store.js";
export * from "./batch-types.js";
export * from "./bulk-job-writer.js";
export * from "./chunk-queue.js";
export * from "./redis-keys.js";
