export { type ChunkRef, encodeRef } from "./chunk-ref.js";
export {
  ChunkScheduler,
  type Enrollment,
  type Lease,
  type LeaseHandle,
  type LeaseOptions,
  leaseOf,
} from "./chunk-scheduler.js";
export { isLane, LANES, type Lane } from "./lanes.js";
export { type SchedulerKeys, schedulerKeys } from "./scheduler-keys.js";
