/**
 * A namespace's run keys, under its hash tag (one Redis Cluster slot, as the batches'): per batch an
 * index of its runs and a rerun counter; per run a hash (what it is, its counters), every
 * instance's task (`tasks`: instance -> "<status>|<invocation>|<task>|<position>"), one sorted set
 * of instances per task status (by position: pages in the batch's order), the invokers' instances,
 * and the follower's work lists: invokers without a record yet (`awaiting`), invocations still
 * running, final failed tasks whose details are still to fetch (`details-due`); the details, the
 * failure groups, and a rerun's InvokeCommand parts.
 */
export function runKeys(namespace: string) {
  const root = `tat-bulk:{${namespace}}`;
  const run = (batchId: string, runId: string) => `${root}:run:${batchId}:${runId}`;
  return {
    root,
    index: (batchId: string) => `${root}:runs:${batchId}`,
    /** What the follower of a batch's runs has done: the scheduled time it handled last, quiet rounds. */
    follow: (batchId: string) => `${root}:runs:${batchId}:follow`,
    /** Batches whose runs want a follower now (a rerun asked): the workers take them from here. */
    inbox: `${root}:runs:inbox`,
    rerunCounter: (batchId: string) => `${root}:reruns:${batchId}`,
    run,
    tasks: (batchId: string, runId: string) => `${run(batchId, runId)}:tasks`,
    /** The sorted set of one task status: the prefix; the status is appended (the scripts do too). */
    statusPrefix: (batchId: string, runId: string) => `${run(batchId, runId)}:st:`,
    invokers: (batchId: string, runId: string) => `${run(batchId, runId)}:invokers`,
    awaiting: (batchId: string, runId: string) => `${run(batchId, runId)}:awaiting`,
    running: (batchId: string, runId: string) => `${run(batchId, runId)}:running`,
    detailsDue: (batchId: string, runId: string) => `${run(batchId, runId)}:details-due`,
    details: (batchId: string, runId: string) => `${run(batchId, runId)}:details`,
    groups: (batchId: string, runId: string) => `${run(batchId, runId)}:groups`,
    parts: (batchId: string, runId: string) => `${run(batchId, runId)}:parts`,
  };
}
export type RunKeys = ReturnType<typeof runKeys>;
