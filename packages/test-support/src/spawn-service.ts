import { type ChildProcess, spawn } from "node:child_process";

export interface ServiceProcess {
  child: ChildProcess;
  /** The first capture group of `readyPattern` in its output (a URL, usually). */
  ready: string;
  output(): string;
  exited: Promise<number | null>;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/**
 * Runs `node <nodeArgs>` (Node flags, then a built entry point) as a real process and waits for
 * its "ready" log line. Only PATH is inherited, so a test never picks up the developer's own
 * configuration by accident.
 */
export function spawnService(
  nodeArgs: readonly string[],
  env: Record<string, string>,
  readyPattern: RegExp,
  timeoutMs = 15_000,
): Promise<ServiceProcess> {
  return spawnProcess(process.execPath, nodeArgs, env, readyPattern, timeoutMs);
}

/** Any program (Prometheus, say) as spawnService runs Node: only PATH inherited, ready when it says so. */
export async function spawnProcess(
  command: string,
  args: readonly string[],
  env: Record<string, string>,
  readyPattern: RegExp,
  timeoutMs = 15_000,
): Promise<ServiceProcess> {
  const entry = args.at(-1) ?? command;
  const child = spawn(command, args, {
    env: { PATH: process.env.PATH ?? "", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const ready = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      // Never leave a half-started process behind.
      child.kill("SIGKILL");
      reject(new Error(`${entry} did not become ready:\n${output}`));
    }, timeoutMs);
    let isReady = false;
    const onData = (data: Buffer) => {
      // After the ready line only a tail is kept: a busy service must not grow this without bound.
      output = (output + data.toString()).slice(isReady ? -65_536 : 0);
      if (isReady) return;
      const match = readyPattern.exec(output);
      if (match) {
        isReady = true;
        clearTimeout(timer);
        resolve(match[1] ?? match[0]);
      }
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`${entry} exited with ${code}:\n${output}`));
    });
  });
  return {
    child,
    ready,
    output: () => output,
    exited,
    async stop(signal = "SIGTERM") {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}
