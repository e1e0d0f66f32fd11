export { DEFAULT_ACCOUNT, maxErrorsThreshold } from "./batch-fields.js";
export { chunkInstances, type InstanceChunk } from "./chunk-instances.js";
export {
  type CreateInvokerCall,
  createInvokerCallSchema,
  type InvokerBatchRequest,
  invokerBatchSchema,
  MAX_INSTANCES_PER_BATCH,
  MAX_TAGS,
  REGION_PATTERN,
  TAT_BULK_TAG_PREFIX,
  type Tag,
} from "./create-invoker-schema.js";
export {
  AGENT_NOT_REPORTED,
  classifyError,
  isBatchWide,
  type TatErrorCode,
  type TransportErrorCode,
} from "./error-codes.js";
export { COMMAND_ID_PATTERN, isInvokeTimeExpired } from "./guessed-rules.js";
export { INSTANCE_ID_PATTERN, type InstanceType, instanceTypeOf } from "./instance-id.js";
export { parseInvokeTime } from "./invoke-time.js";
export { firingTimes, nextFiring, runIdOf } from "./run-schedule.js";
export {
  FINAL_INVOCATION_STATUSES,
  FINAL_TASK_STATUSES,
  isTaskStatus,
  NOT_FIRED,
  TASK_GROUP_NAMES,
  TASK_GROUPS,
  TASK_STATUSES,
  type TaskGroup,
  type TaskStatus,
  taskGroupOf,
} from "./task-status.js";
export {
  AGENT_CHECK_ACTION,
  AGENT_CHECK_CALLS_PER_SECOND,
  TAT_CALLS_PER_SECOND,
  TAT_MAX_INSTANCES_PER_CALL,
} from "./tat-limits.js";
export { parseTc3Authorization, signaturesEqual, tc3Signature } from "./tc3-signature.js";
export { validateInvokerRequest } from "./validate-request.js";
