import type { ChaosStack } from "./chaos-stack.js";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Jobs in the failed set of each of the namespace's queues. */
export async function countFailedJobs(stack: ChaosStack, name: string): Promise<number> {
  const client = await stack.primary();
  try {
    // BullMQ's prefix for the namespace (bullPrefix in @tat-bulk/redis, which depends on this package).
    const prefix = `bull:{${name}}`;
    const queues = [name, `${name}-invokers`, `${name}-runs`, `${name}-webhooks`];
    const counts = await Promise.all(queues.map((q) => client.zcard(`${prefix}:${q}:failed`)));
    return counts.reduce((a, b) => a + b, 0);
  } finally {
    client.disconnect();
  }
}

/** Restarts the workers with a short retention and waits until no batch is left; answers how many are. */
export async function expireEverything(
  stack: ChaosStack,
  name: string,
  after: { retention: string; timeoutMs: number },
  log: (line: string) => void,
): Promise<number> {
  await stack.restartWorkers({
    BATCH_RETENTION: after.retention,
    RETENTION_SWEEP_INTERVAL_MS: "1000",
    RECONCILE_INTERVAL_MS: "1000",
  });
  const index = `tat-bulk:{${name}}:batches`;
  const deadline = Date.now() + after.timeoutMs;
  for (;;) {
    const client = await stack.primary();
    try {
      const left = await client.zcard(index);
      if (left === 0 || Date.now() > deadline) {
        log(`retention ${after.retention}: ${left} batches left`);
        // What kept each from expiring: its state, its finish stamps, whether retention saw it.
        for (const id of await client.zrange(index, 0, 9)) {
          const root = `tat-bulk:{${name}}`;
          const batch = await client.hgetall(`${root}:batch:${id}`);
          const expiring = await client.zscore(`${root}:expiring`, id);
          const unfinished = await client.zscore(`${root}:unfinished`, id);
          log(`left ${id}: ${JSON.stringify({ ...batch, expiring, unfinished }).slice(0, 2000)}`);
        }
        return left;
      }
    } finally {
      client.disconnect();
    }
    await sleep(1000);
  }
}
