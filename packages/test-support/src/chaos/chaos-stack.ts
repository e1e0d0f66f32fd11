import { Redis } from "ioredis";
import { simulatorWorkerEnv } from "../fixtures.js";
import { startSentinels, type TestSentinels } from "../redis-sentinel.js";
import { type RedisServer, startRedisServer } from "../redis-server.js";
import type { ServiceProcess } from "../spawn-service.js";
import { startApp } from "../start-app.js";

export interface ChaosStackOptions {
  name: string;
  apiKeys: readonly string[];
  workers: number;
  simEnv: Record<string, string>;
  workerEnv: Record<string, string>;
  intakeEnv?: Record<string, string>;
  /** One Redis that is killed and restarted, or a primary with a replica behind three Sentinels that fail over. */
  redis: "restart" | "sentinel";
}

/**
 * The service as real processes on Redis with an append-only file (fsync every second), whose
 * workers and Redis the chaos loop kills: a killed worker is replaced by a new process.
 */
export interface ChaosStack {
  sim: ServiceProcess;
  intake: ServiceProcess;
  /** What the processes were given to reach Redis. */
  redisEnv: Record<string, string>;
  /** The workers alive now. */
  workers(): ServiceProcess[];
  /** SIGKILLs one worker (the oldest) and starts its replacement; answers when it serves. */
  killWorker(): Promise<void>;
  /** Kills one worker without waiting for its replacement; the returned promise starts one. */
  killWorkerLater(): () => Promise<void>;
  /**
   * SIGKILLs Redis's primary. A single Redis comes back `downMs` later on the same port and files;
   * behind Sentinels the replica takes over, and the old primary comes back `downMs` after the
   * failover as the new one's replica.
   */
  redisFault(downMs: number): Promise<void>;
  /** A client of the primary now (the caller disconnects it). */
  primary(): Promise<Redis>;
  /** Replaces every worker with one given more settings (as an operator's rollout would). */
  restartWorkers(env: Record<string, string>): Promise<void>;
  close(): Promise<void>;
}

export async function startChaosStack(options: ChaosStackOptions): Promise<ChaosStack> {
  let single: RedisServer | undefined;
  let sentinels: TestSentinels | undefined;
  let redisEnv: Record<string, string>;
  if (options.redis === "sentinel") {
    sentinels = await startSentinels({ replicas: 1, redis: { appendfsync: "everysec" } });
    redisEnv = { REDIS_SENTINELS: sentinels.sentinels.join(","), REDIS_SENTINEL_NAME: sentinels.name };
  } else {
    single = await startRedisServer({ appendfsync: "everysec" });
    redisEnv = { REDIS_URL: single.url };
  }
  const started: ServiceProcess[] = [];
  const alive: ServiceProcess[] = [];
  const launch = async (app: "tat-sim" | "intake" | "worker", env: Record<string, string>) => {
    const service = await startApp(app, env);
    started.push(service);
    return service;
  };
  const closeAll = async () => {
    await Promise.all(started.map((s) => s.stop("SIGKILL")));
    await single?.close();
    await sentinels?.close();
  };
  try {
    const sim = await launch("tat-sim", options.simEnv);
    const queue = { ...redisEnv, QUEUE_NAME: options.name };
    let workerEnv = { ...queue, ...simulatorWorkerEnv(sim.ready), ...options.workerEnv };
    const startWorker = async () => {
      const worker = await launch("worker", workerEnv);
      alive.push(worker);
      return worker;
    };
    for (let i = 0; i < options.workers; i++) await startWorker();
    // The run reads every batch at the end: the per-caller request limit is raised out of the way.
    const intake = await launch("intake", {
      ...queue,
      INTAKE_API_KEYS: options.apiKeys.join(","),
      INTAKE_CALLER_REQUESTS_PER_SECOND: "100000",
      INTAKE_DEFAULT_MAX_INSTANCES_IN_FLIGHT: "100000000",
      ...options.intakeEnv,
    });
    const killOldest = async () => {
      const victim = alive.shift();
      if (victim) await victim.stop("SIGKILL");
    };
    return {
      sim,
      intake,
      redisEnv,
      workers: () => [...alive],
      async killWorker() {
        await killOldest();
        await startWorker();
      },
      killWorkerLater() {
        const killed = killOldest();
        return async () => {
          await killed;
          await startWorker();
        };
      },
      async redisFault(downMs) {
        if (single) {
          await single.kill("SIGKILL");
          await new Promise((resolve) => setTimeout(resolve, downMs));
          await single.restart();
        } else if (sentinels) {
          const old = await sentinels.failover();
          await new Promise((resolve) => setTimeout(resolve, downMs));
          await old.restart();
        }
      },
      async primary() {
        const url = single ? single.url : (await sentinels?.primary())?.url;
        return new Redis(url ?? "", { maxRetriesPerRequest: 3 });
      },
      async restartWorkers(env) {
        workerEnv = { ...workerEnv, ...env };
        for (let i = alive.length; i > 0; i--) {
          const old = alive.shift();
          await old?.stop("SIGTERM");
          await startWorker();
        }
      },
      close: closeAll,
    };
  } catch (error) {
    await closeAll();
    throw error;
  }
}
