export * from "./allow-list.js";
export * from "./audit-tally.js";
export * from "./audit-trail.js";
export * from "./caller.js";
export * from "./caller-registry.js";
export * from "./callers-file.js";
