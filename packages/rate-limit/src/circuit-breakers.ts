import { asNumber, asStrings, LuaScript, type RedisClient } from "@tat-bulk/redis";
import { serialPerKey } from "./serial-per-key.js";

const lua = (name: string) => new URL(`../lua/${name}`, import.meta.url);

const RECORD = LuaScript.fromFile(lua("breaker-record.lua"), 3, (reply) => {
  const [transition = "", state = "closed", now = "0", groupOpen = "0"] = asStrings("breaker-record", reply);
  return {
    transition: transition as "" | "opened" | "closed",
    open: state === "open",
    /** Some bucket of the same endpoint + account is open: TAT is unavailable there. */
    groupOpen: groupOpen === "1",
    at: Number(now),
  };
});

const ADMIT = LuaScript.fromFile(lua("breaker-admit.lua"), 2, (reply) => {
  const [kind = "go", ms = "1000"] = asStrings("breaker-admit", reply);
  if (kind === "wait") return { kind: "wait" as const, ms: Number(ms) };
  return { kind: kind === "probe" ? ("probe" as const) : ("go" as const) };
});

const RELEASE = LuaScript.fromFile(
  lua("breaker-release.lua"),
  1,
  (reply) => asNumber("breaker-release", reply) === 1,
);

/** Every breaker key shares one hash slot (a Redis Cluster runs each script's keys on one node). */
const PREFIX = "tat-bulk:{breakers}:";
const INDEX = `${PREFIX}index`;
const bucketKey = (bucket: string) => `${PREFIX}b:${bucket}`;
const groupKey = (group: string) => `${PREFIX}g:${group}`;

/**
 * A budget bucket as Tencent Cloud counts calls: an action, and its group (endpoint + account).
 * Its name is `action|group`.
 */
export interface BucketRef {
  action: string;
  group: string;
}
export const bucketName = (ref: BucketRef) => `${ref.action}|${ref.group}`;

export interface BreakerOptions {
  /** Failures in a row that open a bucket. */
  consecutive: number;
  /** …or this many failures among the last `window` calls. */
  failures: number;
  window: number;
  /** The first probe's wait after opening; each failed probe doubles it, up to the cap. */
  firstProbeMs: number;
  probeCapMs: number;
  /** How long a probe holds the right to probe, in case its process dies mid-call. */
  probeLeaseMs: number;
}

export class BreakerClosedError extends Error {
  override name = "BreakerClosedError";
}

export interface BucketState {
  bucket: string;
  action: string;
  open: boolean;
  /** Epoch ms it opened (when open). */
  since: number | undefined;
}

/** How often a waiter looks again: another replica's probe may have closed the bucket. */
const LOOK_AGAIN_MS = 250;

/**
 * A circuit breaker per budget bucket, shared by every replica through Redis. While TAT is
 * unavailable no call goes out but one probe at a time per endpoint + account, further and further
 * apart; callers wait (in each process one per bucket asks Redis, the rest queue behind it) instead
 * of failing, so an outage of any length costs time, not attempts.
 */
export class CircuitBreakers {
  private readonly serial = serialPerKey();
  private readonly closing = new AbortController();
  private readonly sleepers = new Set<() => void>();

  constructor(
    private readonly redis: RedisClient,
    private readonly options: BreakerOptions,
  ) {}

  /**
   * Waits until a call of `ref` may go out; answers whether it is the probe of an open bucket. A
   * waiter whose `signal` aborts stops waiting with the signal's reason (an outage is waited out
   * in steps: the caller puts its work back and comes again).
   */
  admit(ref: BucketRef, token: string, signal?: AbortSignal): Promise<"go" | "probe"> {
    const bucket = bucketName(ref);
    return this.serial(
      bucket,
      async () => {
        for (;;) {
          if (this.closing.signal.aborted) throw new BreakerClosedError("circuit breakers closed");
          signal?.throwIfAborted();
          const answer = await ADMIT.run(
            this.redis,
            [bucketKey(bucket), groupKey(ref.group)],
            [token, this.options.probeLeaseMs],
          );
          if (answer.kind !== "wait") return answer.kind;
          await this.sleep(Math.min(answer.ms, LOOK_AGAIN_MS), signal);
        }
      },
      signal,
    );
  }

  /** Records an answered call: `failed` when TAT (or the way to it) was unavailable. */
  async record(ref: BucketRef, token: string, failed: boolean) {
    const { consecutive, failures, window, firstProbeMs, probeCapMs } = this.options;
    const bucket = bucketName(ref);
    const result = await RECORD.run(
      this.redis,
      [bucketKey(bucket), groupKey(ref.group), INDEX],
      [bucket, failed ? "1" : "0", token, consecutive, failures, window, firstProbeMs, probeCapMs],
    );
    // This process's waiters go at once; other replicas' within LOOK_AGAIN_MS.
    if (result.transition === "closed") for (const wake of [...this.sleepers]) wake();
    return result;
  }

  /** A probe that was never sent: the group's next caller may probe now. */
  release(ref: BucketRef, token: string): Promise<boolean> {
    return RELEASE.run(this.redis, [groupKey(ref.group)], [token]);
  }

  /**
   * When any bucket of the group (endpoint + account) last opened, and last had a call answered
   * (epoch ms on Redis's clock, 0 for never): whether a failure at a given time was an outage's first
   * sign (a circuit opened since) or the call's own (TAT answered another call since).
   */
  async lastEvents(group: string): Promise<{ openedAt: number; answeredAt: number }> {
    const [openedAt, answeredAt] = await this.redis.hmget(groupKey(group), "openedAt", "answeredAt");
    return { openedAt: Number(openedAt ?? 0), answeredAt: Number(answeredAt ?? 0) };
  }

  /** Every bucket's state, for metrics and for the batches' Paused status. */
  static async states(redis: RedisClient): Promise<BucketState[]> {
    const buckets = (await redis.smembers(INDEX)).sort();
    const states = await Promise.all(
      buckets.map((bucket) => redis.hmget(bucketKey(bucket), "state", "openedAt")),
    );
    return buckets.map((bucket, i) => {
      const [state, openedAt] = states[i] ?? [];
      const open = state === "open";
      return { bucket, action: bucket.split("|")[0] ?? "", open, since: open ? Number(openedAt) : undefined };
    });
  }

  /** Wakes every waiter with BreakerClosedError. Idempotent. */
  close(): void {
    this.closing.abort();
    for (const wake of [...this.sleepers]) wake();
  }

  private sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.sleepers.delete(done);
        signal?.removeEventListener("abort", done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.sleepers.add(done);
      signal?.addEventListener("abort", done, { once: true });
    });
  }
}
