/**
 * The validation rules that rest on a guess (see docs/tat-api-notes.md): each lives here, once,
 * so relaxing one is a one-line change that every process (intake, simulator) picks up.
 */

/** Guess: published IDs look like `cmd-m7uma92n`. */
export const COMMAND_ID_PATTERN = /^cmd-[a-z0-9]{8}$/;

/** Guess: the only published example has five fields (minute hour day-of-month month day-of-week). */
export const CRON_FIELD_COUNT = 5;

/**
 * Guess: an InvokeTime at or before "now" is expired. A small grace keeps a request written a moment
 * ago from failing on clock skew between its author and us.
 */
const INVOKE_TIME_GRACE_MS = 0;

export function isInvokeTimeExpired(invokeTime: Date, now: Date): boolean {
  return invokeTime.getTime() <= now.getTime() - INVOKE_TIME_GRACE_MS;
}
