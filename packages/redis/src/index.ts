export * from "./lua-script.js";
export * from "./redis-connection.js";
export * from "./redis-errors.js";
export * from "./redis-lease.js";
export * from "./redis-lost.js";
export * from "./redis-memory.js";
