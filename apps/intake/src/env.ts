import { DEFAULT_QUEUE_NAME } from "@tat-bulk/batches";
import { envField, parseEnv, z } from "@tat-bulk/config";
import { REGION_PATTERN } from "@tat-bulk/tat-api";

/** Every variable the intake reads; the README's configuration table mirrors this. */
export const intakeEnvSchema = z.object({
  /** HTTP port. */
  PORT: envField.port(8080),
  /** Interface to listen on. */
  HOST: z.string().default("0.0.0.0"),
  REDIS_URL: envField.redisUrl(),
  /** Comma-separated bearer keys for /v1; the intake refuses to start without one. */
  INTAKE_API_KEYS: envField
    .list()
    .pipe(z.array(z.string().min(16, "each key needs at least 16 characters")).min(1)),
  /** Region a batch's calls are made in when the request names none. */
  TAT_REGION: z
    .string()
    .regex(REGION_PATTERN, "must be a region such as ap-guangzhou")
    .default("ap-guangzhou"),
  /** CreateInvoker calls per second, used for completion estimates. */
  TAT_RATE_LIMIT: envField.positiveInt(20),
  LOG_LEVEL: envField.logLevel(),
  /** BullMQ queue (and Redis key namespace) shared with the workers. */
  QUEUE_NAME: z
    .string()
    .regex(/^[A-Za-z0-9_.-]+$/)
    .default(DEFAULT_QUEUE_NAME),
  /** Largest request body accepted; 100,000 instance IDs take about 1.7 MB. */
  INTAKE_BODY_LIMIT: z
    .string()
    .regex(/^\d+(?:b|kb|mb)$/i)
    .default("8mb"),
});

export type IntakeConfig = z.infer<typeof intakeEnvSchema>;

export function loadIntakeConfig(env: NodeJS.ProcessEnv): IntakeConfig {
  return parseEnv(intakeEnvSchema, env);
}
