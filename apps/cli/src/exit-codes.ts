/** The CLI's exit codes, for scripts. */
export const EXIT = {
  OK: 0,
  /** --wait: the batch ended with failed or cancelled chunks. */
  BATCH_FAILED: 1,
  /** Bad flags or arguments. */
  USAGE: 2,
  /** The intake answered an error, or could not be reached. */
  API_ERROR: 3,
} as const;

export class UsageError extends Error {}
