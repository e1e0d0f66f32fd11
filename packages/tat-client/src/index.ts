export * from "./tat-client.js";
