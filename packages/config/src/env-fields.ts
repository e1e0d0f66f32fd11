import {
  AGENT_CHECK_ACTION,
  AGENT_CHECK_CALLS_PER_SECOND,
  REGION_PATTERN,
  TAT_CALLS_PER_SECOND,
} from "@tat-bulk/tat-api";
import { z } from "zod";

const DURATION_UNITS = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** Field helpers, so every app spells the same kinds of variable alike. */
export const envField = {
  port: (fallback: number) => z.coerce.number().int().min(0).max(65535).default(fallback),
  positiveInt: (fallback: number) => z.coerce.number().int().positive().default(fallback),
  nonNegativeNumber: (fallback: number) => z.coerce.number().min(0).default(fallback),
  probability: (fallback: number) => z.coerce.number().min(0).max(1).default(fallback),
  logLevel: () => z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  redisUrl: () =>
    z
      .string()
      .regex(/^rediss?:\/\//, "must be a redis:// or rediss:// URL")
      .default("redis://127.0.0.1:6379"),
  /**
   * `name<sep>value,…` as a Map (split at the first `sep`); `parse` turns each pair's value into
   * what the Map holds, or refuses the pair (undefined), which the message names as not `what`.
   */
  pairs: <V>(sep: string, what: string, parse: (name: string, value: string) => V | undefined) =>
    z.string().transform((text, ctx) => {
      const pairs = new Map<string, V>();
      for (const entry of text
        .split(",")
        .map((s) => s.trim())
        .filter(Boolean)) {
        const at = entry.indexOf(sep);
        const value = at > 0 ? parse(entry.slice(0, at), entry.slice(at + sep.length)) : undefined;
        if (value === undefined) {
          ctx.addIssue({ code: "custom", message: `"${entry.slice(0, 40)}" is not ${what}` });
          return z.NEVER;
        }
        pairs.set(entry.slice(0, at), value);
      }
      return pairs;
    }),
  /** `Action=calls,…`: a calls-per-second budget for each named action. */
  actionRates: () =>
    envField.pairs("=", "Action=calls (a positive number)", (name, value) =>
      /^[A-Za-z]+$/.test(name) && /^\d+(?:\.\d+)?$/.test(value) && Number(value) > 0
        ? Number(value)
        : undefined,
    ),
  /**
   * A duration such as `30d`, `12h`, `15m` or `90s`, in milliseconds. Four units and a whole number:
   * a library such as `ms` also takes "1 year" or a bare number of milliseconds, which here would
   * be a mistake rather than a setting.
   */
  duration: (fallback: string) =>
    z
      .string()
      .regex(/^\d+[smhd]$/, "must be a whole number of s, m, h or d, such as 30d or 90s")
      .default(fallback)
      .transform(
        (text) => Number(text.slice(0, -1)) * DURATION_UNITS[text.slice(-1) as "s" | "m" | "h" | "d"],
      )
      .pipe(z.number().positive("must be more than 0")),
  /** `true` or `false` (a typo is an error, not false). */
  flag: () =>
    z
      .enum(["true", "false"])
      .default("false")
      .transform((text) => text === "true"),
  hostPorts: () =>
    envField.list().pipe(z.array(z.string().regex(/^[A-Za-z0-9.-]+:\d{1,5}$/, "each is host:port"))),
  list: () =>
    z.string().transform((text) =>
      text
        .split(",")
        .map((s) => s.trim())
        .filter(Boolean),
    ),
};

/** Where a process listens: `PORT` (0 picks a free one) and `HOST` (every interface unless told). */
export const listenEnv = (port: number, host = "0.0.0.0") => ({
  /** Where it listens: the intake's API, a worker's /healthz, /readyz and /metrics, the simulator's API. */
  PORT: envField.port(port),
  HOST: z.string().default(host),
});

const DEFAULT_QUEUE_NAME = "tat-bulk-chunks";
const DEFAULT_TAT_REGION = "ap-guangzhou";

/**
 * The variables the intake and the workers both read, defined once so that their names, types and
 * defaults cannot drift apart (the two must agree on the queue above all).
 */
export const sharedEnv = {
  /** One Redis server; or REDIS_CLUSTER_NODES, or REDIS_SENTINELS: exactly one of the three. */
  REDIS_URL: envField.redisUrl(),
  /** `host:port,…` of a Redis Cluster's nodes, instead of REDIS_URL (one or the other). */
  REDIS_CLUSTER_NODES: envField.hostPorts().default([]),
  /**
   * `host:port,…` of Redis Sentinels watching a primary named REDIS_SENTINEL_NAME, instead of
   * REDIS_URL: every process follows the primary through failovers.
   */
  REDIS_SENTINELS: envField.hostPorts().default([]),
  /** The primary's name in the Sentinels' configuration (`sentinel monitor <name> …`). */
  REDIS_SENTINEL_NAME: z
    .string()
    .regex(/^[A-Za-z0-9_.-]+$/)
    .optional(),
  /**
   * Run on a Redis whose maxmemory-policy evicts keys. Eviction silently deletes batches, chunks and
   * jobs: every process refuses to start on such a Redis unless this is true.
   */
  REDIS_ALLOW_EVICTION: envField.flag(),
  /**
   * How long a finished batch and everything under it (chunks, instances, runs, jobs, idempotency
   * key) stay in Redis: `30d`, `12h`, `90s`. A batch is finished once it is final, its invoker
   * actions are done, its runs are over (a live RECURRENCE schedule never is) and its webhooks are
   * delivered or given up.
   */
  BATCH_RETENTION: envField.duration("30d"),
  /** pino's level; logs are JSON lines, with a request ID, never a key or a secret. */
  LOG_LEVEL: envField.logLevel(),
  /** BullMQ queue and Redis key namespace: the same on the intake and the workers. */
  QUEUE_NAME: z
    .string()
    .regex(/^[A-Za-z0-9_.-]+$/)
    .default(DEFAULT_QUEUE_NAME),
  /** Region of batches that name none. */
  TAT_REGION: z
    .string()
    .regex(REGION_PATTERN, "must be a region such as ap-guangzhou")
    .default(DEFAULT_TAT_REGION),
};

export const webhookHostsEnv = {
  /**
   * Completion webhooks: hosts a batch's CallbackUrl may name (`host`, ports 443 and 80, or
   * `host:port`, comma-separated; empty: webhooks are off). The intake refuses other hosts; the
   * workers check again before each delivery.
   */
  WEBHOOK_ALLOWED_HOSTS: envField.list().default([]),
};

/** Calls per second per action: TAT's documented limit unless told otherwise. */
export const tatRateLimitField = () => envField.positiveInt(TAT_CALLS_PER_SECOND);

/** Actions with a budget of their own, as `Action=calls,…`: by default TAT's documented 60/s for the agent check. */
export const tatActionRatesField = () =>
  envField.actionRates().default(new Map([[AGENT_CHECK_ACTION, AGENT_CHECK_CALLS_PER_SECOND]]));

/** What the intake and the workers both read, and where each listens (health, metrics, API). */
export const serviceEnv = (port: number) => ({ ...sharedEnv, ...listenEnv(port), ...webhookHostsEnv });
