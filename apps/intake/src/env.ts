import { type Caller, CallerRegistry, CallersFileError, keyCaller, readCallersFile } from "@tat-bulk/callers";
import { ConfigError, envField, parseEnv, serviceEnv, tracingEnv, z } from "@tat-bulk/config";
import { DEFAULT_CONSOLE_DIR } from "./console-route.js";

/** Every variable the intake reads; docs/configuration.md's table is generated from it (npm run docs:config). */
export const intakeEnvSchema = z.object({
  ...serviceEnv(8080),
  ...tracingEnv("tat-bulk-intake"),
  /**
   * Comma-separated bearer keys for /v1, each its own caller with every scope but admin and
   * priority:high, and INTAKE_DEFAULT_MAX_INSTANCES_IN_FLIGHT. With INTAKE_CALLERS_FILE, either may
   * be empty, not both.
   */
  INTAKE_API_KEYS: envField
    .list()
    .pipe(z.array(z.string().min(16, "each key needs at least 16 characters")))
    .default([]),
  /** A JSON or YAML list of callers: name, key hash, scopes, allow-lists, quota, weight, webhook secret. */
  INTAKE_CALLERS_FILE: z.string().min(1).optional(),
  /** Unfinished instances each INTAKE_API_KEYS key may have at once (a callers file sets its own). */
  INTAKE_DEFAULT_MAX_INSTANCES_IN_FLIGHT: envField.positiveInt(200_000),
  /** Requests per second each caller may make (a second's worth may come at once). */
  INTAKE_CALLER_REQUESTS_PER_SECOND: envField.positiveInt(50),
  /** How long the audit trail keeps an entry. */
  AUDIT_RETENTION_DAYS: envField.positiveInt(90),
  /** The audit trail never holds many more entries than this (trimmed on every append), whatever their age. */
  AUDIT_MAX_ENTRIES: envField.positiveInt(1_000_000),
  /**
   * Reads, refused keys and 429s are many and alike: each kind (caller, action, batch, source,
   * outcome) is written once per this window, with its count.
   */
  AUDIT_COUNT_WINDOW_MS: z.coerce.number().int().min(1000).default(60_000),
  /**
   * Refused keys one source address may present per minute; past it the address is answered 429
   * before its key is looked at, until the minute ends.
   */
  INTAKE_AUTH_FAILURES_PER_MINUTE: envField.positiveInt(60),
  /**
   * The share of Redis's maxmemory from which the intake refuses new work (submit, retry, rerun)
   * with 503 ResourceInsufficient.Memory, before Redis itself refuses writes (no effect without
   * maxmemory).
   */
  INTAKE_MEMORY_WATERMARK: z.coerce.number().gt(0).max(1).default(0.9),
  /**
   * Replicas that must hold a batch before it is answered 202 (Redis WAIT, after staging it and
   * after committing it); 0: answered once the primary has it. With REDIS_URL or REDIS_SENTINELS.
   */
  INTAKE_MIN_REPLICAS: z.coerce.number().int().min(0).max(10).default(0),
  /** How long a batch write waits for INTAKE_MIN_REPLICAS before it answers 503 ResourceUnavailable.Replica. */
  INTAKE_REPLICA_TIMEOUT_MS: envField.positiveInt(1000),
  /** The operator console's built files (served at /console). */
  INTAKE_CONSOLE_DIR: z.string().min(1).default(DEFAULT_CONSOLE_DIR),
  /**
   * The console links a batch to its trace with this URL, `{traceId}` replaced (Jaeger:
   * `http://localhost:16686/trace/{traceId}`); unset: no link.
   */
  CONSOLE_TRACE_URL: z
    .string()
    .regex(/^https?:\/\/\S*\{traceId\}\S*$/, "must be an http(s) URL containing {traceId}")
    .optional(),
  /** Largest request body accepted; 100,000 instance IDs take about 1.7 MB. */
  INTAKE_BODY_LIMIT: z
    .string()
    .regex(/^\d+(?:b|kb|mb)$/i)
    .default("8mb"),
});

export type IntakeConfig = z.infer<typeof intakeEnvSchema> & {
  /** Every caller: the file's, then INTAKE_API_KEYS' (checked: unique names and keys). */
  callers: readonly Caller[];
};

export function loadIntakeConfig(env: NodeJS.ProcessEnv): IntakeConfig {
  const config = parseEnv(intakeEnvSchema, env);
  if (config.INTAKE_MIN_REPLICAS > 0 && config.REDIS_CLUSTER_NODES.length > 0) {
    // WAIT counts the replicas of the connection's own node; a cluster spreads writes over several.
    throw new ConfigError(
      "invalid configuration:\n  INTAKE_MIN_REPLICAS: works with REDIS_URL or REDIS_SENTINELS, not REDIS_CLUSTER_NODES",
    );
  }
  try {
    const fromFile = config.INTAKE_CALLERS_FILE ? readCallersFile(config.INTAKE_CALLERS_FILE) : [];
    const callers = [
      ...fromFile,
      ...config.INTAKE_API_KEYS.map((key, i) =>
        keyCaller(key, i + 1, config.INTAKE_DEFAULT_MAX_INSTANCES_IN_FLIGHT),
      ),
    ];
    if (callers.length === 0) {
      throw new CallersFileError("no caller: set INTAKE_API_KEYS, INTAKE_CALLERS_FILE, or both");
    }
    new CallerRegistry(callers);
    return { ...config, callers };
  } catch (error) {
    if (!(error instanceof CallersFileError)) throw error;
    throw new ConfigError(`invalid configuration:\n  INTAKE_CALLERS_FILE: ${error.message}`);
  }
}
