export * from "./redis-up-gauge.js";
