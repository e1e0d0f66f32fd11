import { type ChildProcess, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { formatLogLine } from "./log-format.js";

export interface ChildServiceOptions {
  name: string;
  command: string;
  args: string[];
  env: Record<string, string>;
  /** Resolves `ready()` once a line matches. */
  readyPattern: RegExp;
  pretty: boolean;
  write: (line: string) => void;
}

/** A child process with its output prefixed by name, a ready signal, and a clean stop. */
export class ChildService {
  readonly child: ChildProcess;
  readonly exited: Promise<number | null>;
  private stopping = false;
  private readonly readyPromise: Promise<void>;

  constructor(private readonly options: ChildServiceOptions) {
    this.child = spawn(options.command, options.args, {
      env: options.env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    this.exited = new Promise((resolve) =>
      this.child.once("exit", (code, signal) => resolve(code ?? (signal ? 128 : null))),
    );
    this.readyPromise = new Promise((resolve, reject) => {
      const onLine = (line: string) => {
        if (options.readyPattern.test(line)) resolve();
        options.write(`[${options.name}] ${options.pretty ? formatLogLine(line) : line}`);
      };
      for (const stream of [this.child.stdout, this.child.stderr]) {
        if (stream) createInterface({ input: stream }).on("line", onLine);
      }
      this.child.once("error", reject);
      void this.exited.then((code) =>
        reject(new Error(`${options.name} exited with code ${code} before it was ready`)),
      );
    });
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

  ready(timeoutMs = 30_000): Promise<void> {
    return Promise.race([
      this.readyPromise,
      new Promise<void>((_, reject) =>
        setTimeout(
          () => reject(new Error(`${this.options.name} not ready after ${timeoutMs} ms`)),
          timeoutMs,
        ).unref(),
      ),
    ]);
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
