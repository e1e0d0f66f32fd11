import { createHash } from "node:crypto";
import { LuaScript, type RedisClient, readLua } from "@tat-bulk/redis";
import { type BulkJobOptions, Job, type Queue } from "bullmq";
import type { ChunkJobData } from "./batch-types.js";
import { type BullScript, loadAddStandardJob } from "./bullmq-internals.js";

export interface ChunkJob {
  name: string;
  data: ChunkJobData;
  opts: BulkJobOptions & { jobId: string };
}

/** Where a batch's jobs go: one call per slice, in order; and how they are taken back. */
export interface JobSink {
  add(jobs: readonly ChunkJob[]): Promise<void>;
  /** Removes the jobs no worker holds. */
  remove(jobIds: readonly string[]): Promise<void>;
}

type Arg = string | Buffer | number;
type Captured = { command: string; args: readonly Arg[] };

/** A client that records the script call BullMQ would send instead of sending it. */
class CapturingClient {
  readonly calls: Captured[] = [];
  runCommand(command: string, args: readonly Arg[]): Promise<string> {
    this.calls.push({ command, args });
    return Promise.resolve("captured");
  }
}

const TEMPLATE = readLua(new URL("../lua/bulk-add-standard-job.lua", import.meta.url));

function loopedScript(script: BullScript): LuaScript<unknown> {
  const lua = TEMPLATE.replace("--@bullmq addStandardJob", () => script.content);
  // Named by content: a client can hold scripts of two BullMQ versions (or a test's broken one).
  const sha = createHash("sha1").update(lua).digest("hex").slice(0, 12);
  return new LuaScript({ name: `tatBulkAddStandardJobs${sha}`, lua, keys: script.keys, parse: (r) => r });
}

/** An error Redis raised while running the script itself (not a lost connection or a busy server). */
const isScriptError = (error: unknown): boolean =>
  error instanceof Error &&
  error.name === "ReplyError" &&
  /user_script|Error running script/i.test(error.message);

export interface BulkJobWriterOptions {
  /** BullMQ's addStandardJob; null: always `addBulk`. Defaults to the installed BullMQ's. */
  script?: BullScript | null;
  /** Told once, when the writer leaves the fast path for good (at start, or after a script error). */
  onFallback?: (reason: string) => void;
}

/**
 * Adds many standard jobs with one script call per slice instead of one per job: `addBulk` spends
 * most of its time building a Redis command per job. Each job is still built, validated and
 * encoded by BullMQ (its `Job.addJob`, run against a client that captures the call), and still
 * written by BullMQ's own addStandardJob script, so Redis ends up as `addBulk` leaves it.
 * It uses BullMQ's public `addBulk` instead (slower, never wrong) when the installed BullMQ does not
 * look like the pinned one, when a job would take another script, and for good once the looped
 * script fails at run time.
 */
export class BulkJobWriter implements JobSink {
  private script: { run: LuaScript<unknown>; keys: number } | undefined;

  constructor(
    private readonly redis: RedisClient,
    private readonly queue: Queue<ChunkJobData>,
    private readonly options: BulkJobWriterOptions = {},
  ) {
    const script = options.script === undefined ? loadAddStandardJob() : options.script;
    if (script) this.script = { run: loopedScript(script), keys: script.keys };
    else options.onFallback?.("the installed BullMQ has no addStandardJob script this writer knows");
  }

  /** Whether jobs go through the looped script (false: through `addBulk`). */
  get fast(): boolean {
    return this.script !== undefined;
  }

  /**
   * Adds the jobs in order as one script call. The call is sent before this returns, so calls
   * made one after another on a connection reach Redis in that order and Redis runs one while the
   * caller builds the next. Resolves when Redis has run it.
   */
  add(jobs: readonly ChunkJob[]): Promise<void> {
    const script = this.script;
    let captured: ReturnType<BulkJobWriter["capture"]>;
    try {
      captured = script ? this.capture(jobs, script.keys) : undefined;
    } catch (error) {
      // A job BullMQ refuses (bad options): rejected like the writes, never thrown mid-batch.
      return Promise.reject(error);
    }
    if (!script || !captured) return this.addBulk(jobs);
    const ran = script.run.run(this.redis, captured.keys, captured.argv);
    return Promise.all([ran, captured.settled]).then(
      ([results]) => {
        const refused = Array.isArray(results)
          ? results.findIndex((r) => typeof r === "number" && r < 0)
          : -2;
        if (refused !== -1) {
          throw new Error(
            `addStandardJob refused job ${jobs[refused]?.opts.jobId ?? "?"}: ${String(results)}`,
          );
        }
      },
      (error: unknown) => {
        if (!isScriptError(error)) throw error;
        // Jobs the script wrote before it failed are kept: addBulk adds an existing job ID once.
        if (this.script) {
          this.script = undefined;
          this.options.onFallback?.(`the looped addStandardJob script failed: ${(error as Error).message}`);
        }
        return this.addBulk(jobs);
      },
    );
  }

  async remove(jobIds: readonly string[]): Promise<void> {
    await Promise.all(jobIds.map((id) => this.queue.remove(id)));
  }

  private addBulk(jobs: readonly ChunkJob[]): Promise<void> {
    return this.queue.addBulk([...jobs]).then(() => undefined);
  }

  /**
   * The script's keys and every job's ARGV, or undefined when a job would not be a standard one.
   * `Job.addJob` runs synchronously up to its script call, so the capture is complete on return.
   */
  private capture(
    jobs: readonly ChunkJob[],
    keyCount: number,
  ): { keys: string[]; argv: Arg[]; settled: Promise<unknown> } | undefined {
    const client = new CapturingClient();
    const defaults = this.queue.defaultJobOptions;
    const added: Promise<string>[] = [];
    for (const { name, data, opts } of jobs) {
      const job = new Job(this.queue, name, data, { ...defaults, ...opts }, opts.jobId);
      added.push(job.addJob(client as unknown as Parameters<Job["addJob"]>[0]));
    }
    const settled = Promise.all(added);
    const first = client.calls[0]?.args.slice(0, keyCount);
    const keys = first?.every((key) => typeof key === "string") ? (first as string[]) : undefined;
    const argv: Arg[] = [];
    for (const call of client.calls) {
      const standard =
        keys !== undefined &&
        call.command.startsWith("addStandardJob:") &&
        call.args.length === keyCount + 3 &&
        keys.every((key, k) => call.args[k] === key);
      if (!standard) break;
      argv.push(...call.args.slice(keyCount));
    }
    // Complete only when every job made one standard call.
    if (!keys || argv.length !== jobs.length * 3) {
      settled.catch(() => undefined);
      return undefined;
    }
    return { keys, argv, settled };
  }
}
