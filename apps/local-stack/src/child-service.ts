import { type ChildProcess, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { formatLogLine } from "./log-format.js";

export interface ChildServiceOptions {
  name: string;
  command: string;
  args: string[];
  env: Record<string, string>;
  /** Answers true once the service serves (its /readyz, Redis's PING); polled until then. */
  probe: () => Promise<boolean>;
  pretty: boolean;
  write: (line: string) => void;
}

const PROBE_INTERVAL_MS = 100;

/** A child process with its output prefixed by name, a readiness probe, and a clean stop. */
export class ChildService {
  readonly child: ChildProcess;
  readonly exited: Promise<number | null>;
  private stopping = false;

  constructor(private readonly options: ChildServiceOptions) {
    this.child = spawn(options.command, options.args, {
      env: options.env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    this.exited = new Promise((resolve) =>
      this.child.once("exit", (code, signal) => resolve(code ?? (signal ? 128 : null))),
    );
    const onLine = (line: string) =>
      options.write(`[${options.name}] ${options.pretty ? formatLogLine(line) : line}`);
    for (const stream of [this.child.stdout, this.child.stderr]) {
      if (stream) createInterface({ input: stream }).on("line", onLine);
    }
  }

  get name(): string {
    return this.options.name;
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get isStopping(): boolean {
    return this.stopping;
  }

  /** Resolves once the probe answers true; rejects if the child exits or fails to start first. */
  async ready(timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let failed: Error | undefined;
    this.child.once("error", (error) => {
      failed = error;
    });
    let exitCode: number | null | undefined;
    void this.exited.then((code) => {
      exitCode = code;
    });
    for (;;) {
      if (failed) throw failed;
      if (exitCode !== undefined)
        throw new Error(`${this.name} exited with code ${exitCode} before it was ready`);
      if (await this.options.probe().catch(() => false)) return;
      if (Date.now() > deadline) throw new Error(`${this.name} not ready after ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, PROBE_INTERVAL_MS));
    }
  }

  /** SIGTERM, then SIGKILL after `graceMs`. Idempotent. */
  async stop(graceMs = 20_000): Promise<number | null> {
    this.stopping = true;
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill("SIGTERM");
      const timer = setTimeout(() => this.child.kill("SIGKILL"), graceMs);
      timer.unref();
      const code = await this.exited;
      clearTimeout(timer);
      return code;
    }
    return this.exited;
  }
}
