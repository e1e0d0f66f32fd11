export {
  CHUNK_JOB_OPTIONS,
  type ChunkJob,
  type ChunkJobData,
  chunkJob,
  chunkJobId,
  createChunkQueue,
  type JobSink,
  queueJobSink,
} from "./chunk-queue.js";
