export { exportBatch } from "./batch-export.js";
export { BatchPurge, type PurgeOutcome } from "./batch-purge.js";
export { BatchQuiet, type Quietness } from "./batch-quiet.js";
export { RetentionSweep, type SweepResult } from "./retention-sweep.js";
