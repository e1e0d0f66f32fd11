import { intakeCaller } from "../intake-caller.js";
import { simAdmin } from "../sim-admin.js";
import { countFailedJobs, expireEverything } from "./chaos-aftermath.js";
import { type ChaosVerdict, chaosHeld, checkChaosRun } from "./chaos-checks.js";
import { startLoad } from "./chaos-load.js";
import { startChaosStack } from "./chaos-stack.js";

export interface ChaosRunOptions {
  name: string;
  /** How long batches arrive and faults are injected. */
  durationMs: number;
  /**
   * After the faults: how long the check waits for the next accepted batch to become final (a
   * backlog still draining keeps it waiting); a batch still open after that is stuck.
   */
  settleMs: number;
  workers: number;
  submitEveryMs: number;
  sizes: readonly [number, number];
  /** How sizes are drawn between the two: evenly (default), or log-uniformly (many small, few large). */
  spread?: "even" | "log";
  /** Callers (API keys) taking turns to submit (1 by default). */
  callers?: number;
  /** Share of accepted batches cancelled a few seconds later; share of submissions that also retry an earlier batch. */
  cancelShare?: number;
  retryShare?: number;
  /** ONCE batches firing this long after their submit (their runs followed), instead of a monthly RECURRENCE. */
  onceAfterMs?: number;
  /** A worker is SIGKILLed and replaced every so often, drawn between the two. */
  workerKillEveryMs: readonly [number, number];
  /** One Redis killed and restarted (default), or a primary behind Sentinels that fail over. */
  redis?: "restart" | "sentinel";
  /**
   * Redis faults (SIGKILL of the primary: a restart `redisDownMs` later, or a failover), spread over
   * the run, each between two worker SIGKILLs: one up to a second before it, one up to two seconds
   * after Redis is back.
   */
  redisRestarts: number;
  redisDownMs: number;
  /** TAT answers InternalError to every call for this long, once, at 70% of the run (0: never). */
  outageMs: number;
  /** More outages: one every so often (drawn between the two), each lasting between the two. */
  outages?: { everyMs: readonly [number, number]; durationMs: readonly [number, number] };
  /**
   * After the checks, the workers are restarted with this BATCH_RETENTION (`30s`), and the run waits
   * up to `timeoutMs` for every batch to expire: Redis's memory then is the run's end figure.
   */
  retentionAfter?: { retention: string; timeoutMs: number };
  seed: number;
  workerEnv?: Record<string, string>;
  intakeEnv?: Record<string, string>;
  simEnv?: Record<string, string>;
  log?: (line: string) => void;
}

export interface ChaosRunReport {
  seed: number;
  verdict: ChaosVerdict;
  held: boolean;
  faults: {
    workerKills: number;
    /** Redis primaries SIGKILLed (restarted, or failed over). */
    redisRestarts: number;
    outages: number;
    outageSeconds: number;
    cancels: number;
    retries: number;
  };
  /** Submissions refused, by HTTP status (0: no answer). */
  refused: Record<string, number>;
  /** From the end of the faults to the last batch becoming final (or the give-up). */
  settledAfterMs: number;
  /** Jobs left in a failed set of any queue (none should be). */
  failedJobs: number;
  /** Redis's used memory: at the start, its peak (sampled every 2 s), and after retention (if run). */
  memory: { startBytes: number; peakBytes: number; endBytes?: number };
  /** Batches left after retention (0 when it ran to the end). */
  leftAfterRetention?: number;
}

/** A small seeded generator (mulberry32): a run's fault schedule can be replayed from its seed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const KEYS = Array.from({ length: 8 }, (_, i) => `chaos-key-${i}-0123456789abcdef0123`);
/** Redis memory after retention counts as back to its start within this much (allocator, audit, queues' own keys). */
const MEMORY_SLACK_BYTES = 8 * 1024 * 1024;

/**
 * A chaos run through real processes: a steady flow of batches while workers are SIGKILLed and
 * replaced, Redis is SIGKILLed and restarted between two worker kills, and TAT has an outage,
 * with 5% ambiguous InternalErrors (the invoker exists), 5% plain ones and 1% offline agents
 * throughout. Then it waits for every accepted batch and checks the invariants.
 */
export async function runChaos(options: ChaosRunOptions): Promise<ChaosRunReport> {
  const log = options.log ?? (() => undefined);
  const random = seededRandom(options.seed);
  const between = ([min, max]: readonly [number, number]) => min + random() * (max - min);
  const keys = KEYS.slice(0, Math.max(1, Math.min(KEYS.length, options.callers ?? 1)));
  const stack = await startChaosStack({
    name: options.name,
    apiKeys: keys,
    workers: options.workers,
    redis: options.redis ?? "restart",
    simEnv: {
      // A remote service: answers take 20-80 ms, so calls are in flight when a process dies.
      TAT_SIM_LATENCY_MS: "20",
      TAT_SIM_LATENCY_JITTER_MS: "60",
      TAT_SIM_P_INTERNAL_ERROR_AFTER: "0.05",
      TAT_SIM_P_INTERNAL_ERROR_BEFORE: "0.05",
      TAT_SIM_OFFLINE_RATE: "0.01",
      ...options.simEnv,
    },
    workerEnv: options.workerEnv ?? {},
    ...(options.intakeEnv ? { intakeEnv: options.intakeEnv } : {}),
  });
  const faults = { workerKills: 0, redisRestarts: 0, outages: 0, outageSeconds: 0, cancels: 0, retries: 0 };
  // Interrupted (Ctrl-C): no process of the run is left behind.
  const interrupted = () => {
    void stack.close().finally(() => process.exit(130));
  };
  process.once("SIGINT", interrupted);
  process.once("SIGTERM", interrupted);
  const usedMemory = async () => {
    const client = await stack.primary();
    client.on("error", () => undefined);
    try {
      return Number(/used_memory:(\d+)/.exec(await client.info("memory"))?.[1] ?? 0);
    } finally {
      client.disconnect();
    }
  };
  try {
    const apis = keys.map((key) => intakeCaller(stack.intake.ready, key));
    const api = apis[0] ?? intakeCaller(stack.intake.ready, KEYS[0] ?? "");
    const admin = simAdmin(stack.sim.ready);
    const memory: ChaosRunReport["memory"] = { startBytes: await usedMemory(), peakBytes: 0 };
    memory.peakBytes = memory.startBytes;
    const sampler = setInterval(() => {
      usedMemory().then(
        (bytes) => {
          memory.peakBytes = Math.max(memory.peakBytes, bytes);
        },
        () => undefined,
      );
    }, 2000);
    const started = Date.now();
    const at = (ms: number) => sleep(Math.max(0, started + ms - Date.now()));
    const load = startLoad({
      callers: apis,
      everyMs: options.submitEveryMs,
      sizes: options.sizes,
      random,
      ...(options.spread ? { spread: options.spread } : {}),
      ...(options.cancelShare ? { cancelShare: options.cancelShare } : {}),
      ...(options.retryShare ? { retryShare: options.retryShare } : {}),
      ...(options.onceAfterMs !== undefined ? { onceAfterMs: options.onceAfterMs } : {}),
    });

    const redisFault = async () => {
      const replaceFirst = stack.killWorkerLater();
      faults.workerKills++;
      await sleep(random() * 1000);
      log(`${((Date.now() - started) / 1000).toFixed(1)} s: Redis primary SIGKILLed`);
      await stack.redisFault(options.redisDownMs);
      faults.redisRestarts++;
      await sleep(random() * 2000);
      const replaceSecond = stack.killWorkerLater();
      faults.workerKills++;
      await Promise.all([replaceFirst(), replaceSecond()]);
    };
    const outage = (ms: number) => async () => {
      await admin("POST", "/outage", { durationMs: ms, fault: "internal-error-before" });
      faults.outages++;
      faults.outageSeconds += ms / 1000;
    };
    const chaos = (async () => {
      const plan: Array<{ atMs: number; run: () => Promise<void> }> = [];
      for (let i = 1; i <= options.redisRestarts; i++) {
        plan.push({ atMs: (options.durationMs * i) / (options.redisRestarts + 1), run: redisFault });
      }
      if (options.outageMs > 0) plan.push({ atMs: options.durationMs * 0.7, run: outage(options.outageMs) });
      if (options.outages) {
        for (
          let t = between(options.outages.everyMs);
          t < options.durationMs;
          t += between(options.outages.everyMs)
        ) {
          plan.push({ atMs: t, run: outage(Math.round(between(options.outages.durationMs))) });
        }
      }
      for (
        let t = between(options.workerKillEveryMs);
        t < options.durationMs;
        t += between(options.workerKillEveryMs)
      ) {
        plan.push({
          atMs: t,
          run: async () => {
            await stack.killWorker();
            faults.workerKills++;
          },
        });
      }
      plan.sort((a, b) => a.atMs - b.atMs);
      for (const step of plan) {
        await at(step.atMs);
        await step.run();
      }
    })();
    await at(options.durationMs);
    await load.stop();
    await chaos;
    faults.cancels = load.actions.cancels;
    faults.retries = load.actions.retries;
    log(
      `faults over after ${((Date.now() - started) / 1000).toFixed(1)} s; ${load.accepted.length} batches accepted`,
    );

    // A backlog still draining is not stuck: the wait ends when no batch became final for
    // `settleMs` (a batch drains in seconds), so a run that submits more than its budgets send
    // finishes its backlog instead of being judged while workers still write.
    const faultsOver = Date.now();
    let lastFinal = faultsOver;
    for (const batch of load.accepted) {
      const left = lastFinal + options.settleMs - Date.now();
      if (left <= 0) break;
      const owner = apis[batch.caller ?? 0] ?? api;
      if (
        await owner.waitForBatch(batch.batchId, left).then(
          () => true,
          () => false,
        )
      )
        lastFinal = Date.now();
    }
    const settledAfterMs = Date.now() - faultsOver;
    const [{ invokers }, stats] = await Promise.all([
      admin<{
        invokers: Array<{
          InvokerId: string;
          InstanceIds: string[];
          Tags: Array<{ Key: string; Value: string }>;
        }>;
      }>("GET", "/invokers"),
      admin<{ duplicates: number }>("GET", "/stats"),
    ]);
    const byCaller = (batchId: string) =>
      apis[load.accepted.find((b) => b.batchId === batchId)?.caller ?? 0] ?? api;
    const verdict = await checkChaosRun(byCaller, invokers, stats.duplicates, load.accepted);
    const failedJobs = await countFailedJobs(stack, options.name);
    clearInterval(sampler);

    let leftAfterRetention: number | undefined;
    if (options.retentionAfter) {
      leftAfterRetention = await expireEverything(stack, options.name, options.retentionAfter, log);
      memory.endBytes = await usedMemory();
    }
    const memoryBack =
      memory.endBytes === undefined ||
      (leftAfterRetention === 0 && memory.endBytes <= memory.startBytes + MEMORY_SLACK_BYTES);
    return {
      seed: options.seed,
      verdict,
      held: chaosHeld(verdict) && failedJobs === 0 && memoryBack,
      faults,
      refused: Object.fromEntries(load.refused),
      settledAfterMs,
      failedJobs,
      memory,
      ...(leftAfterRetention !== undefined ? { leftAfterRetention } : {}),
    };
  } finally {
    process.off("SIGINT", interrupted);
    process.off("SIGTERM", interrupted);
    await stack.close();
  }
}
