import { envField, listenEnv, parseEnv, sharedEnv, webhookHostsEnv, z } from "@tat-bulk/config";

/** Every variable the intake reads; the README's configuration table mirrors this. */
export const intakeEnvSchema = z.object({
  ...sharedEnv,
  ...listenEnv(8080),
  ...webhookHostsEnv,
  /** Comma-separated bearer keys for /v1; the intake refuses to start without one. */
  INTAKE_API_KEYS: envField
    .list()
    .pipe(z.array(z.string().min(16, "each key needs at least 16 characters")).min(1)),
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
