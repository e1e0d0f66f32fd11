import { envField, parseEnv, z } from "@tat-bulk/config";

const optionalPort = z.coerce.number().int().min(0).max(65535).optional();

/** What `npm start` reads. Everything has a default: `npm start` alone runs the whole service. */
export const stackEnvSchema = z.object({
  /** Use this Redis instead of starting one. */
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, "must be a redis:// URL")
    .optional(),
  /** Port for the Redis it starts (default: a free one). */
  REDIS_PORT: optionalPort,
  /** Worker processes to run. */
  WORKERS: z.coerce.number().int().min(1).max(32).default(2),
  /** Preferred ports; a busy preferred port falls back to a free one. 0 always picks a free one. */
  INTAKE_PORT: envField.port(8080),
  TAT_SIM_PORT: envField.port(4600),
  WORKER_BASE_PORT: envField.port(9464),
  /** Keys for the intake; one is generated for this run when unset. */
  INTAKE_API_KEYS: z.string().optional(),
  /** Set both to talk to Tencent Cloud instead of the simulator. */
  TENCENTCLOUD_SECRET_ID: z.string().optional(),
  TENCENTCLOUD_SECRET_KEY: z.string().optional(),
  TAT_ENDPOINT: z.string().optional(),
  /** The simulator's fleet: a realistic share of offline agents and vanished instances, so the demo shows per-instance outcomes. */
  TAT_SIM_OFFLINE_RATE: z.string().default("0.01"),
  TAT_SIM_MISSING_RATE: z.string().default("0.002"),
  /** And a few of the runs' tasks fail or time out, so a run shows failures grouped and a rerun. */
  TAT_SIM_TASK_FAIL_RATE: z.string().default("0.02"),
  TAT_SIM_TASK_TIMEOUT_RATE: z.string().default("0.005"),
  /** Where Redis keeps its data and the stack writes stack.json (URL and key for the CLI). */
  STACK_DATA_DIR: z.string().default(".data"),
  /** `pretty` prefixed lines for people, or the processes' own JSON lines. */
  LOG_FORMAT: z.enum(["pretty", "json"]).default("pretty"),
  /** pino's level. */
  LOG_LEVEL: envField.logLevel(),
});

export type StackConfig = z.infer<typeof stackEnvSchema>;

export function loadStackConfig(env: NodeJS.ProcessEnv): StackConfig {
  const config = parseEnv(stackEnvSchema, env);
  if (config.TENCENTCLOUD_SECRET_ID && !config.TENCENTCLOUD_SECRET_KEY) {
    throw new Error(
      "invalid configuration:\n  TENCENTCLOUD_SECRET_KEY: required when TENCENTCLOUD_SECRET_ID is set",
    );
  }
  return config;
}
