import { randomBytes } from "node:crypto";
import { chunkJob } from "@tat-bulk/chunk-queue";
import { chunkInstances } from "@tat-bulk/tat-api";
import { cvmIds, SAMPLE_REQUEST, startTestRedis, type TestRedis } from "@tat-bulk/test-support";
import { Redis } from "ioredis";
import type { BatchCallFields } from "../src/batch-types.js";
import { type Batches, type OpenBatchesOptions, openBatches } from "../src/open-batches.js";

export { namespaceKeys } from "@tat-bulk/test-support";

export const request: BatchCallFields = { ...SAMPLE_REQUEST, Region: "ap-guangzhou" };
export { cvmIds };

export function newBatch(ids: string[], idempotency?: { key: string; fingerprint: string }) {
  const { chunks, uniqueCount, duplicatesRemoved } = chunkInstances(ids, 100);
  return {
    request,
    chunks,
    instanceCount: uniqueCount,
    duplicatesRemoved,
    ...(idempotency ? { idempotency } : {}),
  };
}

/** A Redis of its own, and a fresh namespace of batches on it per `pieces()` call. */
export async function startBatchesRedis() {
  const server: TestRedis = await startTestRedis();
  const redis = new Redis(server.url);
  const closers: Array<() => Promise<unknown>> = [];
  return {
    redis,
    pieces(options: Partial<OpenBatchesOptions> = {}) {
      const name = `batches-${randomBytes(4).toString("hex")}`;
      const batches = openBatches(redis, name, { log: { error: () => undefined }, ...options });
      closers.push(() => batches.close());
      return { name, ...batches };
    },
    async close() {
      for (const close of closers.reverse()) await close();
      redis.disconnect();
      await server.close();
    },
  };
}
export type BatchesRedis = Awaited<ReturnType<typeof startBatchesRedis>>;

/** What the workers' dispatcher does, for every waiting chunk at once: enrolled, leased, added as jobs. */
export async function dispatchAll(pieces: Batches): Promise<void> {
  for (const batchId of await pieces.scheduler.inbox()) {
    await pieces.scheduler.enroll({
      batchId,
      budget: "test",
      lane: "NORMAL",
      caller: "",
      weight: 1,
      rate: 1,
    });
  }
  const leases = await pieces.scheduler.lease("test", { depth: 1_000_000, agingMs: 1e9, staleMs: 1e9 });
  await pieces.jobs.add(leases.map((l) => chunkJob(l.batchId, l.index, l.round)));
}
