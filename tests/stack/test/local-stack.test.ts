import { execFile, spawn } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const run = promisify(execFile);

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

let tmp = "";
afterAll(async () => {
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

/**
 * The stack with every port free-picked, its output collected, once it says it is running: `npm start`
 * itself (as a process manager runs it), or its script directly.
 */
async function startLocalStack(dataDir: string, via: "npm" | "node" = "node") {
  const env = {
    PATH: process.env.PATH ?? "",
    HOME: process.env.HOME ?? tmpdir(),
    STACK_DATA_DIR: dataDir,
    INTAKE_PORT: "0",
    TAT_SIM_PORT: "0",
    WORKER_BASE_PORT: "0",
    WORKERS: "2",
  };
  const [command, args] =
    via === "npm" ? ["npm", ["start"]] : [process.execPath, [join(ROOT, "apps/local-stack/dist/main.js")]];
  const child = spawn(command, args, { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
  const stack = {
    child,
    output: "",
    exited: new Promise<number | null>((resolve) => child.once("exit", resolve)),
  };
  child.stdout.on("data", (d: Buffer) => (stack.output += d.toString()));
  child.stderr.on("data", (d: Buffer) => (stack.output += d.toString()));
  for (let i = 0; i < 300 && !stack.output.includes("tat-bulk is running"); i++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const info = JSON.parse(await readFile(join(dataDir, "stack.json"), "utf8")) as {
    pids: number[];
    supervisorPid: number;
    intakeUrl: string;
  };
  return Object.assign(stack, { info });
}

describe("npm start's stack, as a newcomer uses it", () => {
  it("starts everything, runs the demo through the CLI to SUCCEEDED, and stops leaving no process behind", async () => {
    tmp = await mkdtemp(join(tmpdir(), "tat-bulk-stack-"));
    const dataDir = join(tmp, "data");
    const stack = await startLocalStack(dataDir, "npm");
    const { output, info } = stack;
    expect(output).toContain("tat-bulk is running");
    expect(output).toMatch(/\[worker-2\] .*worker running/);
    expect(output).toMatch(/API key: local-[0-9a-f]{32}/);
    expect(info.pids).toHaveLength(5);

    // The demo, through the CLI's own bin, finding the stack through stack.json.
    const demo = await run(
      process.execPath,
      [join(ROOT, "apps/cli/bin/tat-bulk.js"), "demo", "--count", "2500"],
      {
        env: { PATH: process.env.PATH ?? "", STACK_DATA_DIR: dataDir },
        cwd: tmp,
      },
    );
    // The local simulator's fleet has about 1% offline agents and 0.2% vanished instances.
    expect(demo.stdout).toMatch(/PARTIALLY_FAILED in .*: 2500 instances in \d+ chunks/);
    expect(demo.stdout).toMatch(/top failure codes: ResourceUnavailable\.AgentStatusNotOnline \d+/);
    // Then its run: the invokers fire shortly after the drain, and a few tasks fail.
    expect(demo.stdout).toMatch(/\d{8}T\d{6}Z +INVOKER +PARTIALLY_FAILED +succeeded \d+ failed [1-9]/);
    expect(demo.stdout).toContain("failures, grouped (identifiers masked):");

    // As a process manager stops it: SIGTERM to the process `npm start` created, and nothing else.
    stack.child.kill("SIGTERM");
    expect(await stack.exited).toBe(0);
    expect(stack.output).toContain("[stack] stopped");
    for (const pid of [info.supervisorPid, ...info.pids]) expect(alive(pid), `pid ${pid}`).toBe(false);
  }, 120_000);

  it("stops every process on SIGINT to npm start too (Ctrl-C)", async () => {
    const dataDir = join(tmp || tmpdir(), "interrupted");
    const stack = await startLocalStack(dataDir, "npm");
    const { info } = stack;
    stack.child.kill("SIGINT");
    await stack.exited;
    expect(stack.output).toContain("[stack] stopped");
    for (const pid of [info.supervisorPid, ...info.pids]) expect(alive(pid), `pid ${pid}`).toBe(false);
  }, 120_000);

  it("reports a child that dies, and stops the rest", async () => {
    const dataDir = join(tmp || tmpdir(), "dying");
    const stack = await startLocalStack(dataDir);
    const { info } = stack;
    const victim = info.pids.at(-1) ?? 0;
    process.kill(victim, "SIGKILL");
    expect(await stack.exited).toBe(1);
    expect(stack.output).toMatch(
      /\[stack\] worker-\d exited on its own with code \d+; stopping every process/,
    );
    for (const pid of info.pids) expect(alive(pid), `pid ${pid}`).toBe(false);
  }, 60_000);

  it("says how to get Redis when redis-server is missing and REDIS_URL is unset", async () => {
    const result = await run(process.execPath, [join(ROOT, "apps/local-stack/dist/main.js")], {
      env: { PATH: "/nonexistent", STACK_DATA_DIR: join(tmpdir(), "tat-bulk-no-redis") },
    }).catch((error: { code: number; stderr: string }) => error);
    expect("code" in result && result.code).toBe(1);
    expect("stderr" in result && result.stderr).toMatch(/redis-server is not on PATH.*REDIS_URL/);
  });
});
