import type { z } from "zod";

/** The three ways to say where Redis is: exactly one (REDIS_URL by default). */
const REDIS_LOCATIONS = ["REDIS_URL", "REDIS_CLUSTER_NODES", "REDIS_SENTINELS"] as const;

export class ConfigError extends Error {
  override name = "ConfigError";
}

/**
 * Parses a process's environment against its schema. A bad value stops the process at start with a
 * message naming every offending variable (never its value: it may be a secret).
 */
export function parseEnv<S extends z.ZodObject>(schema: S, env: NodeJS.ProcessEnv): z.infer<S> {
  // An empty variable means "not set": `FOO= npm start` must not override a default with "".
  const cleaned = Object.fromEntries(
    Object.entries(env).filter(([, value]) => value !== undefined && value !== ""),
  );
  // Given two, a process would use one and silently ignore the other.
  const where = REDIS_LOCATIONS.filter((name) => cleaned[name] !== undefined);
  if (where.length > 1) {
    throw new ConfigError(
      `invalid configuration:\n  ${where.join(", ")}: set one of ${REDIS_LOCATIONS.join(", ")}, not several`,
    );
  }
  if ((cleaned.REDIS_SENTINEL_NAME !== undefined) !== (cleaned.REDIS_SENTINELS !== undefined)) {
    throw new ConfigError(
      "invalid configuration:\n  REDIS_SENTINEL_NAME: set it with REDIS_SENTINELS (the one names the other's primary)",
    );
  }
  const result = schema.safeParse(cleaned);
  if (result.success) return result.data;
  const lines = result.error.issues.map((issue) => `  ${issue.path.join(".") || "(env)"}: ${issue.message}`);
  throw new ConfigError(`invalid configuration:\n${lines.join("\n")}`);
}
