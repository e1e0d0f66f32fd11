import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { once } from "@tat-bulk/config";
import { simulatorWorkerEnv } from "./fixtures.js";
import { startRedisCluster, type TestRedisCluster } from "./redis-cluster.js";
import { type SentinelOptions, startSentinels, type TestSentinels } from "./redis-sentinel.js";
import { type RedisServer, type RedisServerOptions, startRedisServer } from "./redis-server.js";
import type { ServiceProcess } from "./spawn-service.js";
import { startApp } from "./start-app.js";

export interface ProcessStackOptions {
  /** Names the temporary folder and the queue. */
  name: string;
  /** The simulator's world file, written into the temporary folder; none: the open world. */
  world?: { commands: unknown[]; instances: unknown[] };
  intakeEnv: Record<string, string>;
  simEnv?: Record<string, string>;
  /** Extra settings for the one worker; false: start no worker (an idle queue). */
  workerEnv?: Record<string, string> | false;
  /** The stack's redis-server (AOF persistence for a test that restarts it). */
  redis?: RedisServerOptions;
}

/** What every stack has, whatever its Redis. */
interface StackServices {
  /** A temporary folder removed on close. */
  tmp: string;
  /** What the processes were given to reach Redis (REDIS_URL, or REDIS_CLUSTER_NODES). */
  redisEnv: Record<string, string>;
  sim: ServiceProcess;
  worker: ServiceProcess | undefined;
  intake: ServiceProcess;
  /** Starts another intake on the same Redis, for another queue; stopped on close. */
  startIntake(env: Record<string, string>): Promise<ServiceProcess>;
  close(): Promise<void>;
}

export interface ProcessStack extends StackServices {
  /** Its own redis-server, which a test may kill and restart. */
  redis: RedisServer;
}

export interface ClusterProcessStack extends StackServices {
  cluster: TestRedisCluster;
}

export interface SentinelProcessStack extends StackServices {
  sentinel: TestSentinels;
}

/** The service as processes, built apps started as `npm start` does: Redis, the simulator, a worker, the intake. */
export async function startProcessStack(options: ProcessStackOptions): Promise<ProcessStack> {
  const redis = await startRedisServer(options.redis);
  const services = await startServices(options, { REDIS_URL: redis.url }, () => redis.close());
  return { ...services, redis };
}

/** The same stack on a real 3-master Redis Cluster (REDIS_CLUSTER_NODES). */
export async function startClusterProcessStack(options: ProcessStackOptions): Promise<ClusterProcessStack> {
  const cluster = await startRedisCluster();
  const env = { REDIS_CLUSTER_NODES: cluster.nodes.join(",") };
  const services = await startServices(options, env, () => cluster.close());
  return { ...services, cluster };
}

/** The same stack on a Sentinel-managed primary with replicas (REDIS_SENTINELS): a test may fail it over. */
export async function startSentinelProcessStack(
  options: ProcessStackOptions & { sentinel?: SentinelOptions },
): Promise<SentinelProcessStack> {
  const sentinel = await startSentinels(options.sentinel);
  const env = { REDIS_SENTINELS: sentinel.sentinels.join(","), REDIS_SENTINEL_NAME: sentinel.name };
  const services = await startServices(options, env, () => sentinel.close());
  return { ...services, sentinel };
}

async function startServices(
  options: ProcessStackOptions,
  redisEnv: Record<string, string>,
  closeRedis: () => Promise<void>,
): Promise<StackServices> {
  const tmp = await mkdtemp(join(tmpdir(), `tat-bulk-${options.name}-`));
  const services: ServiceProcess[] = [];
  const start = async (app: Parameters<typeof startApp>[0], env: Record<string, string>) => {
    const service = await startApp(app, env);
    services.push(service);
    return service;
  };
  const close = once(async () => {
    await Promise.all(services.map((s) => s.stop()));
    await closeRedis();
    await rm(tmp, { recursive: true, force: true });
  });
  try {
    const world = join(tmp, "world.json");
    if (options.world) await writeFile(world, JSON.stringify(options.world));
    const sim = await start("tat-sim", {
      ...(options.world ? { TAT_SIM_WORLD: world } : {}),
      ...options.simEnv,
    });
    const queue = { ...redisEnv, QUEUE_NAME: options.name };
    const worker =
      options.workerEnv === false
        ? undefined
        : await start("worker", { ...queue, ...simulatorWorkerEnv(sim.ready), ...options.workerEnv });
    const intake = await start("intake", { ...queue, ...options.intakeEnv });
    return {
      tmp,
      redisEnv,
      sim,
      worker,
      intake,
      startIntake: (env) => start("intake", { ...redisEnv, ...env }),
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
