export * from "./allowed-hosts.js";
export * from "./signature.js";
