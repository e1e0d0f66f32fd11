import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { appCommand, SIMULATOR_CREDENTIALS } from "@tat-bulk/config";
import { ChildService } from "./child-service.js";
import type { StackConfig } from "./env.js";
import { pickPort } from "./ports.js";
import { httpReady, redisReady } from "./probes.js";

/** `node` arguments that run a sibling app: its own Node flags, then its entry point. */
const nodeArgs = (app: string) => appCommand(fileURLToPath(new URL(`../../${app}`, import.meta.url)));

export class StackError extends Error {}

export interface StackInfo {
  intakeUrl: string;
  apiKey: string;
  simUrl: string | null;
  redisUrl: string;
  workerUrls: string[];
  /** The stack's own process (the one `npm start` runs: a signal to it stops everything). */
  supervisorPid: number;
  pids: number[];
}

export interface RunningStack extends StackInfo {
  /** The first child that exits on its own (not asked to stop). */
  unexpectedExit: Promise<{ name: string; code: number | null }>;
  /** Stops workers first (they drain), then the intake, the simulator and Redis. Idempotent. */
  stop(): Promise<void>;
}

function hasRedisServer(): boolean {
  try {
    execFileSync("redis-server", ["--version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

/** Starts the whole service as child processes; everything it started is stopped if any start fails. */
export async function startStack(
  config: StackConfig,
  parentEnv: NodeJS.ProcessEnv,
  write: (line: string) => void,
): Promise<RunningStack> {
  const pretty = config.LOG_FORMAT === "pretty";
  const dataDir = resolve(config.STACK_DATA_DIR);
  mkdirSync(dataDir, { recursive: true });
  const baseEnv = Object.fromEntries(
    Object.entries(parentEnv).filter((e): e is [string, string] => e[1] !== undefined),
  );
  const children: ChildService[] = [];
  const taken = new Set<number>();
  const port = async (preferred: number) => {
    const picked = await pickPort(preferred, taken);
    taken.add(picked);
    return picked;
  };
  const start = async (
    name: string,
    command: string,
    args: string[],
    env: Record<string, string>,
    probe: () => Promise<boolean>,
  ) => {
    const child = new ChildService({ name, command, args, env, probe, pretty, write });
    children.push(child);
    await child.ready();
    return child;
  };
  /** A built app of this repository on a picked port, ready once its /readyz answers; answers its URL. */
  const startApp = async (name: string, app: string, preferredPort: number, env: Record<string, string>) => {
    const picked = await port(preferredPort);
    const url = `http://127.0.0.1:${picked}`;
    const appEnv = {
      ...baseEnv,
      PORT: String(picked),
      HOST: "127.0.0.1",
      LOG_LEVEL: config.LOG_LEVEL,
      ...env,
    };
    await start(name, process.execPath, nodeArgs(app), appEnv, httpReady(url));
    return url;
  };
  const stop = async () => {
    const order = [...children].reverse();
    for (const child of order) await child.stop();
    rmSync(join(dataDir, "stack.json"), { force: true });
  };
  let stopping: Promise<void> | undefined;

  try {
    let redisUrl = config.REDIS_URL;
    if (!redisUrl) {
      if (!hasRedisServer()) {
        throw new StackError(
          "redis-server is not on PATH. Install it (Debian/Ubuntu: sudo apt-get install redis-server; " +
            "macOS: brew install redis) or point REDIS_URL at a Redis you run.",
        );
      }
      const redisPort = await port(config.REDIS_PORT ?? 0);
      const redisDir = join(dataDir, "redis");
      mkdirSync(redisDir, { recursive: true });
      await start(
        "redis",
        "redis-server",
        [
          "--port",
          String(redisPort),
          "--bind",
          "127.0.0.1",
          "--dir",
          redisDir,
          "--appendonly",
          "yes",
          "--appendfsync",
          "everysec",
          "--save",
          "",
          "--maxmemory-policy",
          "noeviction",
        ],
        baseEnv,
        redisReady(redisPort),
      );
      redisUrl = `redis://127.0.0.1:${redisPort}`;
    }

    const useSimulator = !config.TENCENTCLOUD_SECRET_ID;
    let simUrl: string | null = null;
    let credentials = { id: config.TENCENTCLOUD_SECRET_ID ?? "", key: config.TENCENTCLOUD_SECRET_KEY ?? "" };
    if (useSimulator) {
      simUrl = await startApp("tat-sim", "tat-sim", config.TAT_SIM_PORT, {
        TAT_SIM_OFFLINE_RATE: config.TAT_SIM_OFFLINE_RATE,
        TAT_SIM_MISSING_RATE: config.TAT_SIM_MISSING_RATE,
        TAT_SIM_TASK_FAIL_RATE: config.TAT_SIM_TASK_FAIL_RATE,
        TAT_SIM_TASK_TIMEOUT_RATE: config.TAT_SIM_TASK_TIMEOUT_RATE,
      });
      credentials = { id: SIMULATOR_CREDENTIALS.secretId, key: SIMULATOR_CREDENTIALS.secretKey };
    }

    const apiKeys = config.INTAKE_API_KEYS ?? `local-${randomBytes(16).toString("hex")}`;
    const apiKey = apiKeys.split(",")[0]?.trim() ?? "";
    const intakeUrl = await startApp("intake", "intake", config.INTAKE_PORT, {
      REDIS_URL: redisUrl,
      INTAKE_API_KEYS: apiKeys,
    });

    const endpoint = simUrl ?? config.TAT_ENDPOINT ?? "tat.intl.tencentcloudapi.com";
    const workerEnv = {
      REDIS_URL: redisUrl,
      TAT_ENDPOINT: endpoint,
      TENCENTCLOUD_SECRET_ID: credentials.id,
      TENCENTCLOUD_SECRET_KEY: credentials.key,
    };
    const workerUrls = await Promise.all(
      Array.from({ length: config.WORKERS }, (_, i) =>
        startApp(
          `worker-${i + 1}`,
          "worker",
          config.WORKER_BASE_PORT === 0 ? 0 : config.WORKER_BASE_PORT + i,
          workerEnv,
        ),
      ),
    );

    const info: StackInfo = {
      intakeUrl,
      apiKey,
      simUrl,
      redisUrl,
      workerUrls,
      supervisorPid: process.pid,
      pids: children.flatMap((c) => (c.pid ? [c.pid] : [])),
    };
    // The CLI and `npm run demo` find the running stack here; it holds the key, so owner-only.
    writeFileSync(join(dataDir, "stack.json"), `${JSON.stringify(info, null, 2)}\n`, { mode: 0o600 });
    const unexpectedExit = Promise.race(
      children.map(async (child) => {
        const code = await child.exited;
        if (child.isStopping) return new Promise<never>(() => undefined);
        return { name: child.name, code };
      }),
    );
    return {
      ...info,
      unexpectedExit,
      stop: () => {
        stopping ??= stop();
        return stopping;
      },
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
