/**
 * `fn` run at most once: every call after the first answers the first call's promise. What makes
 * each `close()` idempotent, so that SIGTERM, a test's cleanup and an error path can all call it.
 */
export function once<T>(fn: () => Promise<T>): () => Promise<T> {
  let running: Promise<T> | undefined;
  return () => {
    running ??= fn();
    return running;
  };
}

/** Where `closeOnSignals` says what it does (pino's logger fits). */
export interface SignalLog {
  info(details: object, message: string): void;
  error(details: object, message: string): void;
}

/**
 * SIGTERM and SIGINT close the process's app (idempotently), then exit 0, or 1 when closing
 * failed or took longer than `deadlineMs` (a close that waits on an unreachable Redis must not
 * keep the process alive): every main.ts ends with this.
 */
export function closeOnSignals(
  name: string,
  close: () => Promise<void>,
  log: SignalLog,
  deadlineMs = 30_000,
): void {
  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    process.on(signal, () => {
      log.info({ signal }, `${name} stopping`);
      setTimeout(() => {
        log.error({ deadlineMs }, `${name} did not stop in time; exiting anyway`);
        process.exit(1);
      }, deadlineMs).unref();
      close().then(
        () => process.exit(0),
        (error: unknown) => {
          log.error({ err: error }, `${name} stop failed`);
          process.exit(1);
        },
      );
    });
  }
}

/**
 * The app's start, or exit 1 with one line saying why (a Redis that evicts keys, a port in use):
 * what an operator reads in the logs, rather than a stack trace.
 */
export async function startOrExit<T>(
  name: string,
  app: { start(): Promise<T>; close(): Promise<void> },
  log: SignalLog,
): Promise<T> {
  try {
    return await app.start();
  } catch (error) {
    log.error({ err: error instanceof Error ? error.message : String(error) }, `${name} cannot start`);
    await app.close().catch(() => undefined);
    process.exit(1);
  }
}
