import { schedulerKeys } from "@tat-bulk/scheduler";

/** Every batch key tat-bulk writes, under one namespace per queue so that tests and deployments never share batches. */
export function redisKeys(namespace: string) {
  // The hash tag puts every key of a namespace in one Redis Cluster slot (scripts touch several).
  const root = `tat-bulk:{${namespace}}`;
  return {
    batch: (id: string) => `${root}:batch:${id}`,
    chunks: (id: string) => `${root}:batch:${id}:chunks`,
    batchIndex: `${root}:batches`,
    /** Batches not known to be final (score: created at): what the reconciler looks at. */
    unfinished: `${root}:unfinished`,
    /** Finished batches, stamped by retention (score: since when; they expire BATCH_RETENTION later). */
    expiring: `${root}:expiring`,
    /** Held by the one worker that runs the reconciler. */
    reconcilerLock: `${root}:reconciler`,
    /** One caller's batches (score: created at), for its list. */
    callerBatches: (caller: string) => `${root}:caller:${caller}:batches`,
    /** One caller's batches not known to be final, for its quota of instances in flight. */
    callerOpen: (caller: string) => `${root}:caller:${caller}:open`,
    /** Held while a caller with a quota submits: its check and its write are one step. */
    callerLock: (caller: string) => `${root}:caller:${caller}:lock`,
    /** The audit trail (a stream). */
    audit: `${root}:audit`,
    idempotency: (key: string) => `${root}:idem:${key}`,
    /** Events waiting to become webhook deliveries (appended by the scripts, moved by workers). */
    outbox: `${root}:outbox`,
    /** Calls per second the workers run each action at, as they published it. */
    publishedRates: `${root}:rates`,
    /** The scheduler's (@tat-bulk/scheduler): the intake stages a new batch's chunks in its list. */
    ...schedulerKeys(root),
    /** The TAT accounts the workers hold (name: CreateInvoker calls per second). */
    publishedAccounts: `${root}:accounts`,
  };
}
export type RedisKeys = ReturnType<typeof redisKeys>;
