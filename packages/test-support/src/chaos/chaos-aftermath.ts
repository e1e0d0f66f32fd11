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

type Client = Awaited<ReturnType<ChaosStack["primary"]>>;

/** A left batch's runs, its follower's record and its follow job, raw: what the retention's quiet check reads. */
async function runsOf(client: Client, root: string, name: string, id: string) {
  const runIds = await client.zrange(`${root}:runs:${id}`, 0, -1, "WITHSCORES");
  const runs: Record<string, unknown> = {};
  for (let i = 0; i < runIds.length; i += 2) {
    const runId = runIds[i] ?? "";
    const run = `${root}:run:${id}:${runId}`;
    runs[runId] = {
      score: runIds[i + 1],
      hash: await client.hgetall(run),
      awaiting: await client.smembers(`${run}:awaiting`),
      running: await client.smembers(`${run}:running`),
    };
  }
  const job = `bull:{${name}}:${name}-runs:follow-${id}`;
  const jobHash = await client.hgetall(job);
  const sets = ["wait", "active", "delayed", "prioritized", "completed", "failed"];
  const where: string[] = [];
  for (const set of sets) {
    const key = `bull:{${name}}:${name}-runs:${set}`;
    const type = await client.type(key);
    const inSet =
      type === "list"
        ? (await client.lpos(key, `follow-${id}`)) !== null
        : type === "zset" && (await client.zscore(key, `follow-${id}`)) !== null;
    if (inSet) where.push(set);
  }
  return {
    runs,
    awaiting: Object.values(runs).flatMap((run) => (run as { awaiting: string[] }).awaiting),
    follow: await client.hgetall(`${root}:runs:${id}:follow`),
    inbox: await client.lpos(`${root}:runs:inbox`, id),
    job: { where, ...jobHash, data: undefined },
  };
}

/** What the simulator knows of invokers a run still awaits: the invokers and their invocations. */
async function atTat(simUrl: string, invokerIds: string[]) {
  if (invokerIds.length === 0) return {};
  const ids = new Set(invokerIds);
  const get = async (path: string) => (await fetch(`${simUrl}/__admin${path}`)).json();
  const { invokers } = (await get("/invokers")) as { invokers: Array<{ InvokerId: string }> };
  const { invocations } = (await get("/invocations")) as {
    invocations: Array<{ InvokerId: string | null; Tasks: unknown[] }>;
  };
  return {
    invokers: invokers.filter((v) => ids.has(v.InvokerId)),
    invocations: invocations
      .filter((i) => i.InvokerId && ids.has(i.InvokerId))
      .map((i) => ({ ...i, Tasks: i.Tasks.length })),
  };
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
          const runs = await runsOf(client, root, name, id);
          log(`left ${id} runs: ${JSON.stringify(runs).slice(0, 3000)}`);
          log(
            `left ${id} at TAT: ${JSON.stringify(await atTat(stack.sim.ready, runs.awaiting)).slice(0, 3000)}`,
          );
        }
        return left;
      }
    } finally {
      client.disconnect();
    }
    await sleep(1000);
  }
}
