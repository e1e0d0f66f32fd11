import type { z } from "zod";

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
  // Given both, a process would use one and silently ignore the other.
  if (cleaned.REDIS_URL !== undefined && cleaned.REDIS_CLUSTER_NODES !== undefined) {
    throw new ConfigError("invalid configuration:\n  REDIS_CLUSTER_NODES: set it or REDIS_URL, not both");
  }
  const result = schema.safeParse(cleaned);
  if (result.success) return result.data;
  const lines = result.error.issues.map((issue) => `  ${issue.path.join(".") || "(env)"}: ${issue.message}`);
  throw new ConfigError(`invalid configuration:\n${lines.join("\n")}`);
}
