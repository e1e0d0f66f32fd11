import { type ChildProcess, execFile, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { once } from "@tat-bulk/config";
import { freePort } from "./free-port.js";

const run = promisify(execFile);

export interface TestRedisCluster {
  /** `host:port` of every master, for REDIS_CLUSTER_NODES. */
  nodes: string[];
  close(): Promise<void>;
}

/**
 * A real Redis Cluster of `masters` redis-server processes (no replicas), created with
 * `redis-cli --cluster create`, each in a directory of its own; waits until it serves every slot.
 */
export async function startRedisCluster(masters = 3): Promise<TestRedisCluster> {
  const dir = await mkdtemp(join(tmpdir(), "tat-bulk-cluster-"));
  const children: ChildProcess[] = [];
  const ports: number[] = [];
  const close = once(async () => {
    await Promise.all(
      children.map(
        (child) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null) return resolve();
            child.once("exit", () => resolve());
            child.kill("SIGTERM");
          }),
      ),
    );
    await rm(dir, { recursive: true, force: true });
  });
  try {
    for (let i = 0; i < masters; i++) {
      const port = await freePort();
      ports.push(port);
      children.push(
        spawn(
          "redis-server",
          [
            "--port",
            String(port),
            "--bind",
            "127.0.0.1",
            "--cluster-enabled",
            "yes",
            "--cluster-config-file",
            `nodes-${port}.conf`,
            "--dir",
            dir,
            "--save",
            "",
            "--appendonly",
            "no",
          ],
          { stdio: "ignore" },
        ),
      );
    }
    const nodes = ports.map((port) => `127.0.0.1:${port}`);
    for (const port of ports) await untilAnswers(port);
    await run("redis-cli", ["--cluster", "create", ...nodes, "--cluster-replicas", "0", "--cluster-yes"]);
    for (const port of ports) await untilClusterOk(port);
    return { nodes, close };
  } catch (error) {
    await close();
    throw error;
  }
}

async function poll(check: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`redis cluster: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const cli = async (port: number, ...args: string[]) =>
  (await run("redis-cli", ["-p", String(port), ...args])).stdout;

const untilAnswers = (port: number) =>
  poll(async () => (await cli(port, "PING")).trim() === "PONG", `node ${port} does not answer`);

const untilClusterOk = (port: number) =>
  poll(async () => (await cli(port, "CLUSTER", "INFO")).includes("cluster_state:ok"), `node ${port} not ok`);
