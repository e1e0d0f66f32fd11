import { intakeCaller } from "../intake-caller.js";
import { simAdmin } from "../sim-admin.js";
import { type ChaosVerdict, chaosHeld, checkChaosRun } from "./chaos-checks.js";
import { startLoad } from "./chaos-load.js";
import { startChaosStack } from "./chaos-stack.js";

export interface ChaosRunOptions {
  name: string;
  /** How long batches arrive and faults are injected. */
  durationMs: number;
  /** How long after that every accepted batch has to become final. */
  settleMs: number;
  workers: number;
  submitEveryMs: number;
  sizes: readonly [number, number];
  /** A worker is SIGKILLed and replaced every so often, drawn between the two. */
  workerKillEveryMs: readonly [number, number];
  /**
   * Redis SIGKILLs (each restarted `redisDownMs` later on the same port and files), spread over the
   * run, each between two worker SIGKILLs: one up to a second before it, one up to two seconds
   * after the restart.
   */
  redisRestarts: number;
  redisDownMs: number;
  /** TAT answers InternalError to every call for this long, once, at 70% of the run (0: never). */
  outageMs: number;
  seed: number;
  workerEnv?: Record<string, string>;
  simEnv?: Record<string, string>;
  log?: (line: string) => void;
}

export interface ChaosRunReport {
  seed: number;
  verdict: ChaosVerdict;
  held: boolean;
  faults: { workerKills: number; redisRestarts: number; outages: number };
  /** Submissions refused, by HTTP status (0: no answer). */
  refused: Record<string, number>;
  /** From the end of the faults to the last batch becoming final (or the give-up). */
  settledAfterMs: number;
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
const KEY = "chaos-key-0123456789abcdef0123";

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
  const stack = await startChaosStack({
    name: options.name,
    apiKey: KEY,
    workers: options.workers,
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
  });
  const faults = { workerKills: 0, redisRestarts: 0, outages: 0 };
  // Interrupted (Ctrl-C): no process of the run is left behind.
  const interrupted = () => {
    void stack.close().finally(() => process.exit(130));
  };
  process.once("SIGINT", interrupted);
  process.once("SIGTERM", interrupted);
  try {
    const api = intakeCaller(stack.intake.ready, KEY);
    const admin = simAdmin(stack.sim.ready);
    const started = Date.now();
    const at = (ms: number) => sleep(Math.max(0, started + ms - Date.now()));
    const load = startLoad({ api, everyMs: options.submitEveryMs, sizes: options.sizes, random });

    const restartRedis = async () => {
      const replaceFirst = stack.killWorkerLater();
      faults.workerKills++;
      await sleep(random() * 1000);
      await stack.redis.kill("SIGKILL");
      log(`${((Date.now() - started) / 1000).toFixed(1)} s: Redis SIGKILLed`);
      await sleep(options.redisDownMs);
      await stack.redis.restart();
      faults.redisRestarts++;
      await sleep(random() * 2000);
      const replaceSecond = stack.killWorkerLater();
      faults.workerKills++;
      await Promise.all([replaceFirst(), replaceSecond()]);
    };
    const chaos = (async () => {
      const plan: Array<{ atMs: number; run: () => Promise<void> }> = [];
      for (let i = 1; i <= options.redisRestarts; i++) {
        plan.push({ atMs: (options.durationMs * i) / (options.redisRestarts + 1), run: restartRedis });
      }
      if (options.outageMs > 0) {
        plan.push({
          atMs: options.durationMs * 0.7,
          run: async () => {
            await admin("POST", "/outage", { durationMs: options.outageMs, fault: "internal-error-before" });
            faults.outages++;
          },
        });
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
    log(
      `faults over after ${((Date.now() - started) / 1000).toFixed(1)} s; ${load.accepted.length} batches accepted`,
    );

    const faultsOver = Date.now();
    let settledAfterMs = options.settleMs;
    for (const batch of load.accepted) {
      const left = faultsOver + options.settleMs - Date.now();
      if (left <= 0) break;
      await api.waitForBatch(batch.batchId, left).catch(() => undefined);
    }
    settledAfterMs = Math.min(settledAfterMs, Date.now() - faultsOver);
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
    const verdict = await checkChaosRun(api, invokers, stats.duplicates, load.accepted);
    return {
      seed: options.seed,
      verdict,
      held: chaosHeld(verdict),
      faults,
      refused: Object.fromEntries(load.refused),
      settledAfterMs,
    };
  } finally {
    process.off("SIGINT", interrupted);
    process.off("SIGTERM", interrupted);
    await stack.close();
  }
}
