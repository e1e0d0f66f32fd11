import {
  envField,
  listenEnv,
  parseEnv,
  SIMULATOR_CREDENTIALS,
  tatActionRatesField,
  z,
} from "@tat-bulk/config";
import { TAT_CALLS_PER_SECOND } from "@tat-bulk/tat-api";

/** The documented local credential pair: what `npm start` and the tests sign with. */
export const DEFAULT_SIM_CREDENTIALS = `${SIMULATOR_CREDENTIALS.secretId}:${SIMULATOR_CREDENTIALS.secretKey}`;

// A default as written (parsed like a setting), so the configuration table shows `id:key`.
const credentials = envField
  .pairs(":", "an id:key pair", (_id, key) => key || undefined)
  .prefault(DEFAULT_SIM_CREDENTIALS);

/** Every variable the simulator reads; docs/configuration.md's table is generated from it (npm run docs:config). */
export const simEnvSchema = z.object({
  /** Loopback by default: the admin API has no auth. */
  ...listenEnv(4600, "127.0.0.1"),
  /** pino's level. */
  LOG_LEVEL: envField.logLevel(),
  /** SecretId:SecretKey pairs that sign valid requests. */
  TAT_SIM_CREDENTIALS: credentials,
  /** A JSON world file (commands, instances); unset: the open world, where everything well-formed exists. */
  TAT_SIM_WORLD: z.string().optional(),
  /** Calls per second per action + SecretId. */
  TAT_SIM_RATE_LIMIT: envField.positiveInt(TAT_CALLS_PER_SECOND),
  /** Actions with a budget of their own, as `Action=calls,…` (TAT documents 60/s for the agent check). */
  TAT_SIM_RATE_LIMITS: tatActionRatesField(),
  /** `sliding`: at most N in any 1000 ms. `fixed`: at most N per aligned wall-clock second. */
  TAT_SIM_RATE_WINDOW: z.enum(["sliding", "fixed"]).default("sliding"),
  /** Random delay (0..N ms) before a call is counted: network transit. */
  TAT_SIM_ARRIVAL_JITTER_MS: envField.nonNegativeNumber(0),
  /** Added latency of each call, plus a random 0..jitter. */
  TAT_SIM_LATENCY_MS: envField.nonNegativeNumber(0),
  TAT_SIM_LATENCY_JITTER_MS: envField.nonNegativeNumber(0),
  /** Probabilities of each fault, per call of a faulted action. */
  TAT_SIM_P_INTERNAL_ERROR_BEFORE: envField.probability(0),
  TAT_SIM_P_INTERNAL_ERROR_AFTER: envField.probability(0),
  TAT_SIM_P_HANG_BEFORE: envField.probability(0),
  TAT_SIM_P_HANG_AFTER: envField.probability(0),
  TAT_SIM_P_BAD_GATEWAY: envField.probability(0),
  TAT_SIM_P_NON_JSON: envField.probability(0),
  /** Share of the open world's instances with an offline agent, picked by a hash of the ID (same on every run). */
  TAT_SIM_OFFLINE_RATE: envField.probability(0),
  /** Share of the open world's instances that do not exist, picked the same way. */
  TAT_SIM_MISSING_RATE: envField.probability(0),
  /** DescribeAutomationAgentStatus on an instance that does not exist: leave it out, or fail the call. */
  TAT_SIM_AGENT_CHECK_MISSING: z.enum(["omit", "error"]).default("omit"),
  /** Share of tasks on healthy agents that fail (a non-zero exit), and that time out (TIMEOUT). */
  TAT_SIM_TASK_FAIL_RATE: envField.probability(0),
  TAT_SIM_TASK_TIMEOUT_RATE: envField.probability(0),
  /** How long a task runs, plus a random 0..jitter; a timed-out task runs TAT_SIM_TASK_TIMEOUT_MS. */
  TAT_SIM_TASK_DURATION_MS: envField.nonNegativeNumber(2000),
  TAT_SIM_TASK_DURATION_JITTER_MS: envField.nonNegativeNumber(1000),
  TAT_SIM_TASK_TIMEOUT_MS: envField.nonNegativeNumber(6000),
  /** Share of tasks whose output is over TAT's 24 KB (answered cut, with Dropped). */
  TAT_SIM_TASK_LARGE_OUTPUT_RATE: envField.probability(0),
  /** How long after an invoker fires its record shows in DescribeInvokerRecords. */
  TAT_SIM_RECORD_DELAY_MS: envField.nonNegativeNumber(1000),
  /** Which actions the probabilities apply to. */
  TAT_SIM_FAULT_ACTIONS: envField.list().default(["CreateInvoker"]),
  /** Allow /__admin from any address (it has no auth: only on a private network). */
  TAT_SIM_ADMIN_ANY_ADDRESS: z.stringbool().default(false),
});

export type SimConfig = z.infer<typeof simEnvSchema>;

export function loadSimConfig(env: NodeJS.ProcessEnv): SimConfig {
  return parseEnv(simEnvSchema, env);
}
