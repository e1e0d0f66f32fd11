import { CallersFileError, readCallersFile } from "@tat-bulk/callers";
import {
  ConfigError,
  envField,
  parseEnv,
  serviceEnv,
  tatActionRatesField,
  tatRateLimitField,
  tracingEnv,
  z,
} from "@tat-bulk/config";
import { loadAccounts, type TatAccount } from "./tat-accounts.js";

/** Every variable the worker reads; docs/configuration.md's table is generated from it (npm run docs:config). */
export const workerEnvSchema = z.object({
  /** Health and metrics on 9464. */
  ...serviceEnv(9464),
  ...tracingEnv("tat-bulk-worker", 64),
  /**
   * Signs the webhook deliveries of callers without a secret of their own (HMAC-SHA256); required
   * once WEBHOOK_ALLOWED_HOSTS names a host.
   */
  WEBHOOK_SIGNING_SECRET: z.string().min(16, "needs at least 16 characters").optional(),
  /** The intake's callers file: the workers read each caller's own webhook secret from it. */
  INTAKE_CALLERS_FILE: z.string().min(1).optional(),
  /** A delivery that takes longer fails (and is retried). */
  WEBHOOK_TIMEOUT_MS: envField.positiveInt(5000),
  /** Retry backoff: doubling from the base, capped; deliveries are retried for WEBHOOK_GIVE_UP_MS. */
  WEBHOOK_RETRY_BASE_MS: envField.positiveInt(1000),
  WEBHOOK_RETRY_MAX_MS: envField.positiveInt(600_000),
  /** How long a delivery is tried (24 h); then it is given up and logged. */
  WEBHOOK_GIVE_UP_MS: envField.positiveInt(24 * 3600_000),
  /** Invoker actions (disable, enable, delete) in flight per process; each waits for its action's slot. */
  INVOKER_CONCURRENCY: envField.positiveInt(8),
  /** The one-account shorthand (the account "default"); or TAT_ACCOUNTS_FILE. */
  TENCENTCLOUD_SECRET_ID: z.string().min(1).optional(),
  TENCENTCLOUD_SECRET_KEY: z.string().min(1).optional(),
  TENCENTCLOUD_SESSION_TOKEN: z.string().optional(),
  /** A JSON list of accounts: `[{"Name", "SecretId", "SecretKey" or "SecretKeyEnv", "Endpoint"?, "RateLimits"?}]`. */
  TAT_ACCOUNTS_FILE: z.string().min(1).optional(),
  /** A bare host means https; `http://127.0.0.1:4600` points the worker at the simulator. */
  TAT_ENDPOINT: z.string().min(1).default("tat.intl.tencentcloudapi.com"),
  /** `global`: every batch goes to TAT_ENDPOINT (or its account's). `regional`: to its Region's endpoint, a budget of its own. */
  TAT_ENDPOINT_MODE: z.enum(["global", "regional"]).default("global"),
  /** The regional mode's endpoint, `{region}` replaced by the batch's Region. */
  TAT_REGIONAL_ENDPOINT: z
    .string()
    .includes("{region}", { message: "must contain {region}" })
    .default("tat.{region}.tencentcloudapi.com"),
  /** Regions whose endpoint differs from the template, as `region=endpoint,…`. */
  TAT_REGIONAL_ENDPOINTS: envField
    .pairs("=", "region=endpoint", (_region, endpoint) => endpoint || undefined)
    .default(new Map()),
  /** Who Tencent Cloud counts the shorthand account's budgets against; defaults to a digest of its SecretId. */
  TAT_ACCOUNT: z.string().optional(),
  /** Calls per second per action, shared by every replica. */
  TAT_RATE_LIMIT: tatRateLimitField(),
  /** Actions whose budget differs from TAT_RATE_LIMIT, as `Action=calls,…` (TAT documents 60/s for the agent check). */
  TAT_RATE_LIMITS: tatActionRatesField(),
  /** Check agents with DescribeAutomationAgentStatus before CreateInvoker (`off`: send and isolate failures by splitting). */
  TAT_PREFLIGHT: z.enum(["agent-status", "off"]).default("agent-status"),
  /**
   * What may lie between a request leaving and TAT counting it that the limiter cannot see (the
   * network's jitter and TAT's own timing): no `limit + 1` sends, each recorded as it left, span
   * less than 1000 ms + this. The default covers 20 ms of jitter and 2 ms of the receiver's own
   * timer noise. With TAT_RATE_MARGIN_ADAPTIVE a RequestLimitExceeded adds a 10 ms step that
   * halves every 30 s.
   */
  TAT_RATE_MARGIN_MS: envField.nonNegativeNumber(22),
  /** `true`: each RequestLimitExceeded adds a 10 ms step to the margin, halving every 30 s; `false`: fixed. */
  TAT_RATE_MARGIN_ADAPTIVE: z.stringbool().default(true),
  /** How long all senders pause after a RequestLimitExceeded. */
  TAT_RATE_PENALTY_MS: envField.nonNegativeNumber(500),
  /** A TAT call without an answer by then fails as Timeout (and is looked for before it is sent again). */
  TAT_TIMEOUT_MS: envField.positiveInt(10_000),
  /**
   * Circuit breaker per budget bucket: it opens after this many retryable failures in a row (below
   * TAT_MAX_ATTEMPTS, so it opens before a lone chunk runs out of attempts)…
   */
  TAT_BREAKER_CONSECUTIVE: envField.positiveInt(5),
  /** …or this many among the last TAT_BREAKER_WINDOW calls. */
  TAT_BREAKER_FAILURES: envField.positiveInt(10),
  TAT_BREAKER_WINDOW: envField.positiveInt(20),
  /** While open, the first probe waits this long; each failed probe doubles the wait up to the max. */
  TAT_BREAKER_PROBE_MS: envField.positiveInt(1000),
  /** The probe interval's cap: also the longest TAT may be back before the workers notice. */
  TAT_BREAKER_PROBE_MAX_MS: envField.positiveInt(5000),
  /** Attempts per chunk part; rate-limit refusals and failures during an outage do not count. */
  TAT_MAX_ATTEMPTS: envField.positiveInt(8),
  /** Backoff: full jitter over base * 2^(attempt-1), capped. */
  TAT_RETRY_BASE_MS: envField.positiveInt(1000),
  TAT_RETRY_MAX_MS: envField.positiveInt(60_000),
  /** How often the reconciler (on one elected worker) compares batch records with the queue's jobs. */
  RECONCILE_INTERVAL_MS: envField.positiveInt(30_000),
  /** How often the reconciler's holder runs retention (stamps finished batches, removes expired ones). */
  RETENTION_SWEEP_INTERVAL_MS: envField.positiveInt(60_000),
  /** A reconciler pass that has not ended by then (a Redis answer lost to a restart) is left behind. */
  RECONCILE_PASS_DEADLINE_MS: envField.positiveInt(120_000),
  /**
   * A chunk or run-follower job that meets this many unforeseen errors in a row (a corrupt record,
   * a failing script; not Redis being away) is parked in the dead letters instead of tried again
   * every 2 s forever: GET /v1/admin/dead-letters lists them, and each can be sent again.
   */
  WORKER_JOB_MAX_ERRORS: envField.positiveInt(10),
  /**
   * A job (chunk or invoker action) that gets nowhere for this long (no TAT answer, no chunk
   * written: waiting for a slot, an open circuit, or a Redis answer that never comes) is put back
   * in the queue, never held; it comes again at once. Longer than TAT_TIMEOUT_MS.
   */
  WORKER_JOB_STALL_MS: envField.positiveInt(60_000),
  /** While a run goes on, how often it is looked at first; the wait doubles while nothing changes, up to the max. */
  RUN_POLL_MS: envField.positiveInt(1000),
  RUN_POLL_MAX_MS: envField.positiveInt(4000),
  /** An invoker that has not fired this long after its scheduled time leaves its instances NOT_FIRED. */
  RUN_FIRE_GRACE_MS: envField.positiveInt(300_000),
  /** Whose outputs are fetched: `failed` (every task that did not succeed) or `all` (one call per 100 tasks more). */
  RUN_OUTPUTS: z.enum(["failed", "all"]).default("failed"),
  /** Batches whose runs one process follows at once. */
  RUN_CONCURRENCY: envField.positiveInt(8),
  /** Jobs in flight per process (most wait for a rate-limit slot); at least the budgets' depths together. */
  WORKER_CONCURRENCY: envField.positiveInt(64),
  /** Chunks handed to the queue per budget at a time: its CreateInvoker rate times this. */
  SCHED_DEPTH_SECONDS: z.coerce.number().positive().max(10).default(0.5),
  /** HIGH's share of a budget while NORMAL has work too: HIGH goes first, NORMAL is never starved. */
  SCHED_HIGH_SHARE: z.coerce.number().min(0.5).max(0.99).default(0.9),
  /** A LOW batch that waited this long competes as NORMAL (so LOW work never starves). */
  SCHED_LOW_AGING_MS: envField.positiveInt(120_000),
  /** How often each worker dispatches without being nudged (a job ending nudges it at once). */
  SCHED_TICK_MS: envField.positiveInt(100),
  /** SIGTERM: how long in-flight calls may take before the worker exits anyway. */
  WORKER_GRACE_MS: envField.positiveInt(15_000),
  /** Job lock; a crashed worker's jobs return within lock + 2 stalled intervals (11 s by default). */
  WORKER_LOCK_MS: envField.positiveInt(5000),
  WORKER_STALLED_INTERVAL_MS: envField.positiveInt(3000),
});

export type WorkerConfig = z.infer<typeof workerEnvSchema> & {
  accounts: TatAccount[];
  /** Callers' own webhook secrets, by caller name. */
  callerSecrets: ReadonlyMap<string, string>;
};

/** Each caller's own webhook secret from the callers file, WebhookSecretEnv resolved; never printed. */
function callerSecrets(file: string | undefined, env: NodeJS.ProcessEnv): Map<string, string> {
  const secrets = new Map<string, string>();
  if (!file) return secrets;
  let callers: ReturnType<typeof readCallersFile>;
  try {
    callers = readCallersFile(file);
  } catch (error) {
    if (!(error instanceof CallersFileError)) throw error;
    throw new ConfigError(`invalid configuration:\n  INTAKE_CALLERS_FILE: ${error.message}`);
  }
  for (const caller of callers) {
    const secret =
      caller.WebhookSecret ?? (caller.WebhookSecretEnv ? env[caller.WebhookSecretEnv] : undefined);
    if (caller.WebhookSecretEnv && !secret) {
      throw new ConfigError(
        `invalid configuration:\n  INTAKE_CALLERS_FILE: caller ${caller.Name}: ${caller.WebhookSecretEnv} is not set`,
      );
    }
    if (secret) secrets.set(caller.Name, secret);
  }
  return secrets;
}

export function loadWorkerConfig(env: NodeJS.ProcessEnv): WorkerConfig {
  const parsed = parseEnv(workerEnvSchema, env);
  const config = {
    ...parsed,
    accounts: loadAccounts(parsed, env),
    callerSecrets: callerSecrets(parsed.INTAKE_CALLERS_FILE, env),
  };
  if (config.WORKER_JOB_STALL_MS <= config.TAT_TIMEOUT_MS) {
    throw new ConfigError(
      "invalid configuration:\n  WORKER_JOB_STALL_MS: must be longer than TAT_TIMEOUT_MS (a call may take that long)",
    );
  }
  if (config.WEBHOOK_ALLOWED_HOSTS.length > 0 && config.WEBHOOK_SIGNING_SECRET === undefined) {
    throw new ConfigError(
      "invalid configuration:\n  WEBHOOK_SIGNING_SECRET: required when WEBHOOK_ALLOWED_HOSTS names a host",
    );
  }
  return config;
}
