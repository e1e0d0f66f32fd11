export { createSimulator, type Simulator } from "./app.js";
export { DEFAULT_SIM_CREDENTIALS, loadSimConfig, type SimConfig } from "./env.js";
export { type WorldFile, worldFrom } from "./world.js";
