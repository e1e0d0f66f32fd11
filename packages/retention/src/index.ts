export * from "./batch-export.js";
export * from "./batch-purge.js";
export * from "./batch-quiet.js";
export * from "./expiry-stamp.js";
export * from "./retention-sweep.js";
