import { simulatorWorkerEnv } from "../fixtures.js";
import { type RedisServer, startRedisServer } from "../redis-server.js";
import type { ServiceProcess } from "../spawn-service.js";
import { startApp } from "../start-app.js";

export interface ChaosStackOptions {
  name: string;
  apiKey: string;
  workers: number;
  simEnv: Record<string, string>;
  workerEnv: Record<string, string>;
  intakeEnv?: Record<string, string>;
}

/**
 * The service as real processes on a Redis with an append-only file (fsync every second), whose
 * workers and Redis the chaos loop kills: a killed worker is replaced by a new process.
 */
export interface ChaosStack {
  redis: RedisServer;
  sim: ServiceProcess;
  intake: ServiceProcess;
  /** The workers alive now. */
  workers(): ServiceProcess[];
  /** SIGKILLs one worker (the oldest) and starts its replacement; answers when it serves. */
  killWorker(): Promise<void>;
  /** Kills one worker without waiting for its replacement; the returned promise starts one. */
  killWorkerLater(): () => Promise<void>;
  close(): Promise<void>;
}

export async function startChaosStack(options: ChaosStackOptions): Promise<ChaosStack> {
  const redis = await startRedisServer({ appendfsync: "everysec" });
  const started: ServiceProcess[] = [];
  const alive: ServiceProcess[] = [];
  const launch = async (app: "tat-sim" | "intake" | "worker", env: Record<string, string>) => {
    const service = await startApp(app, env);
    started.push(service);
    return service;
  };
  const closeAll = async () => {
    await Promise.all(started.map((s) => s.stop("SIGKILL")));
    await redis.close();
  };
  try {
    const sim = await launch("tat-sim", options.simEnv);
    const queue = { REDIS_URL: redis.url, QUEUE_NAME: options.name };
    const workerEnv = { ...queue, ...simulatorWorkerEnv(sim.ready), ...options.workerEnv };
    const startWorker = async () => {
      const worker = await launch("worker", workerEnv);
      alive.push(worker);
      return worker;
    };
    for (let i = 0; i < options.workers; i++) await startWorker();
    // The run reads every batch at the end: the per-caller request limit is raised out of the way.
    const intake = await launch("intake", {
      ...queue,
      INTAKE_API_KEYS: options.apiKey,
      INTAKE_CALLER_REQUESTS_PER_SECOND: "100000",
      INTAKE_DEFAULT_MAX_INSTANCES_IN_FLIGHT: "100000000",
      ...options.intakeEnv,
    });
    const killOldest = async () => {
      const victim = alive.shift();
      if (victim) await victim.stop("SIGKILL");
    };
    return {
      redis,
      sim,
      intake,
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
      close: closeAll,
    };
  } catch (error) {
    await closeAll();
    throw error;
  }
}
