/**
 * Whether an error means Redis could not be reached (down, restarting, connection lost) rather than
 * that a command failed: the caller answers "try again later" instead of "internal error".
 */
export function isRedisUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if (error.name === "MaxRetriesPerRequestError") return true;
  const code = (error as { code?: unknown }).code;
  if (typeof code === "string" && UNREACHABLE_CODES.has(code)) return true;
  return UNREACHABLE_MESSAGES.some((pattern) => pattern.test(error.message));
}

const UNREACHABLE_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "EPIPE", "ETIMEDOUT", "EHOSTUNREACH"]);
const UNREACHABLE_MESSAGES = [
  /^Connection is closed/,
  /enableOfflineQueue options is false/,
  /^LOADING /,
  // A primary that a failover turned into a replica: the client reconnects to the new one.
  /^READONLY /,
  /max retries per request/i,
];

/**
 * Resolves true once the client is connected and ready, or false after `timeoutMs`: a process
 * that fails fast while Redis is unreachable waits this long at start before serving.
 */
export function whenReady(
  client: { status: string; once(event: "ready", fn: () => void): unknown },
  timeoutMs: number,
): Promise<boolean> {
  if (client.status === "ready") return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), timeoutMs);
    client.once("ready", () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

/**
 * Whether Redis refused a write at its maxmemory (noeviction): `OOM command not allowed…`, alone or
 * as the cause of a MULTI's EXECABORT.
 */
export function isRedisOutOfMemory(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if (error.message.startsWith("OOM ")) return true;
  const previous = (error as { previousErrors?: unknown }).previousErrors;
  return Array.isArray(previous) && previous.some((e) => e instanceof Error && e.message.startsWith("OOM "));
}
