import { createHash } from "node:crypto";
import { createRequire } from "node:module";
import { type BulkJobOptions, Job, type Queue } from "bullmq";
import type { Redis } from "ioredis";
import type { ChunkJobData } from "./batch-types.js";

/** A script as BullMQ ships it in `bullmq/dist/cjs/scripts`. */
export interface BullScript {
  name: string;
  content: string;
  keys: number;
}

export interface ChunkJob {
  name: string;
  data: ChunkJobData;
  opts: BulkJobOptions & { jobId: string };
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

function isBullScript(value: unknown): value is BullScript {
  if (typeof value !== "object" || value === null) return false;
  const script = value as Record<string, unknown>;
  return (
    typeof script.content === "string" && typeof script.keys === "number" && typeof script.name === "string"
  );
}

function loadAddStandardJob(): BullScript | null {
  try {
    const scripts: unknown = createRequire(import.meta.url)("bullmq/dist/cjs/scripts/index.js");
    const script = (scripts as Record<string, unknown> | null)?.addStandardJob;
    return isBullScript(script) ? script : null;
  } catch {
    return null;
  }
}

/**
 * BullMQ's own addStandardJob, wrapped so that one call runs it once per job: its body becomes a
 * function whose parameters shadow KEYS and ARGV, and each job brings its three ARGV entries.
 */
function loopedScript(script: BullScript): string {
  return [
    "local function addOne(KEYS, ARGV)",
    script.content,
    "end",
    "local results = {}",
    "for i = 1, #ARGV, 3 do",
    "  results[#results + 1] = addOne(KEYS, {ARGV[i], ARGV[i + 1], ARGV[i + 2]})",
    "end",
    "return results",
  ].join("\n");
}

/**
 * Adds many standard jobs with one script call per slice instead of one per job: `addBulk` spends
 * most of its time building a Redis command per job. Each job is still built, validated and
 * encoded by BullMQ (its `Job.addJob`, run against a client that captures the call), and still
 * written by BullMQ's own addStandardJob script, so Redis ends up as `addBulk` leaves it. When the
 * installed BullMQ does not look like the one this was written for (no such script, or a job that
 * would take another script), it falls back to `addBulk`: slower, never wrong.
 */
export class BulkJobWriter {
  private readonly script: { lua: string; sha: string; keys: number } | undefined;

  constructor(
    private readonly redis: Redis,
    private readonly queue: Queue<ChunkJobData>,
    /** BullMQ's addStandardJob; null: always `addBulk`. */
    script: BullScript | null = loadAddStandardJob(),
  ) {
    if (script) {
      const lua = loopedScript(script);
      this.script = { lua, sha: createHash("sha1").update(lua).digest("hex"), keys: script.keys };
    }
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
    let captured: ReturnType<BulkJobWriter["capture"]>;
    try {
      captured = this.script ? this.capture(jobs, this.script.keys) : undefined;
    } catch (error) {
      // A job BullMQ refuses (bad options): rejected like the writes, never thrown mid-batch.
      return Promise.reject(error);
    }
    if (!this.script || !captured) return this.queue.addBulk([...jobs]).then(() => undefined);
    const ran = this.run(this.script, captured.args);
    return Promise.all([ran, captured.settled]).then(([results]) => {
      const refused = Array.isArray(results) ? results.findIndex((r) => typeof r === "number" && r < 0) : -2;
      if (refused !== -1) {
        throw new Error(`addStandardJob refused job ${jobs[refused]?.opts.jobId ?? "?"}: ${String(results)}`);
      }
    });
  }

  /**
   * The script's keys and every job's ARGV, or undefined when a job would not be a standard one.
   * `Job.addJob` runs synchronously up to its script call, so the capture is complete on return.
   */
  private capture(
    jobs: readonly ChunkJob[],
    keyCount: number,
  ): { args: Arg[]; settled: Promise<unknown> } | undefined {
    const client = new CapturingClient();
    const defaults = this.queue.defaultJobOptions;
    const added: Promise<string>[] = [];
    for (const { name, data, opts } of jobs) {
      const job = new Job(this.queue, name, data, { ...defaults, ...opts }, opts.jobId);
      added.push(job.addJob(client as unknown as Parameters<Job["addJob"]>[0]));
    }
    const settled = Promise.all(added);
    const keys = client.calls[0]?.args.slice(0, keyCount);
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
    return { args: [...keys, ...argv], settled };
  }

  private async run(script: { lua: string; sha: string; keys: number }, args: Arg[]): Promise<unknown> {
    try {
      return await this.redis.evalsha(script.sha, script.keys, ...args);
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith("NOSCRIPT")) throw error;
      return this.redis.eval(script.lua, script.keys, ...args);
    }
  }
}
