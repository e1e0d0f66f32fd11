export type { StopOutcome } from "./batch-codec.js";
export { unstampExpiry } from "./batch-expiry.js";
export { BATCH_FIELD, batchScript } from "./batch-hash.js";
export { BatchReads, type WorkerBatchView } from "./batch-reads.js";
export { type Stop, withPendingEnded } from "./batch-stop.js";
export {
  BATCH_STATUSES,
  type BatchCallFields,
  type BatchCounts,
  type BatchStatus,
  type BatchSummary,
  CHUNK_STATUSES,
  type ChunkError,
  type ChunkStatus,
  type ChunkView,
  FINAL_CHUNK_STATUSES,
  INSTANCE_STATUSES,
  INVOKER_STATES,
  type InstanceCounts,
  type InstanceStatus,
  type InstanceView,
  type InvokerAction,
  type InvokerState,
} from "./batch-types.js";
export type { CommitExtras } from "./batch-writer.js";
export { instancesInFlight } from "./caller-quota.js";
export { encodeChunk } from "./chunk-codec.js";
export {
  type ChunkPart,
  type ChunkRecord,
  type FailedInstance,
  finalStatusOf,
  newChunkRecord,
  newPart,
  type PendingFailure,
} from "./chunk-record.js";
export { ChunkTransitions } from "./chunk-transitions.js";
export { chunkView, instanceViews } from "./chunk-view.js";
export {
  type CountsErrors,
  DEAD_LETTER_PREFIX,
  DEAD_LETTER_QUEUES,
  type DeadLetterQueue,
  DeadLetters,
} from "./dead-letters.js";
export {
  addInvokerJob,
  chunkNeedsInvokerAction,
  INVOKER_ACTION_ATTEMPTS,
  INVOKER_TAT_ACTION,
  type InvokerJobData,
  invokerNeeds,
  invokerQueueName,
  recordInvokerActionError,
} from "./invoker-actions.js";
export { type RedisKeys, redisKeys } from "./keys.js";
export { type Batches, openBatches } from "./open-batches.js";
export { ackOutbox, readOutbox } from "./outbox.js";
export { publishAccounts, publishCallRate, publishedAccounts, publishedCallRate } from "./published-rates.js";
export { eventBatchId, followJobId, queueNames } from "./queue-names.js";
export { type PassResult, REPAIR_KINDS, Reconciler } from "./reconcile.js";
