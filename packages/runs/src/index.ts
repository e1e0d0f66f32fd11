export { maskOutput, showGroups } from "./failure-groups.js";
export { FollowState } from "./follow-state.js";
export { RunDetails } from "./run-details.js";
export { type RunKeys, runKeys } from "./run-keys.js";
export { RunReads, statusesOf } from "./run-reads.js";
export { RERUN_PART_SIZE, type RerunPart, type RunMeta } from "./run-records.js";
export { RunStore } from "./run-store.js";
export {
  isFinalRun,
  RUN_STATUSES,
  type RunInstance,
  type RunSummary,
  type TaskDetail,
  type TaskUpdate,
} from "./run-types.js";
