/**
 * How a stopped batch's unsent instances end, decoded from its hash's stop fields: read by the
 * batch's read model and by the stop itself, so it lives apart from both.
 */
/** What a stopping batch's instances not yet sent become: cancelled, or failed with the stop's error. */
export interface StopOutcome {
  as: "cancelled" | "failed";
  code: string;
  message: string;
}

export const MAX_ERRORS_CODE = "MaxErrorsExceeded";

/** How a batch's unsent instances end, from its hash; undefined while the batch goes on. */
export function stopOutcome(fields: {
  cancelRequested?: string | null;
  stopCode?: string | null;
  stopMessage?: string | null;
}): StopOutcome | undefined {
  if (fields.cancelRequested === "1") {
    return {
      as: "cancelled",
      code: "Cancelled",
      message: "The batch was cancelled before these instances were sent",
    };
  }
  if (!fields.stopCode) return undefined;
  const message = fields.stopMessage ?? "";
  if (fields.stopCode === MAX_ERRORS_CODE) return { as: "cancelled", code: MAX_ERRORS_CODE, message };
  return {
    as: "failed",
    code: fields.stopCode,
    message:
      `Not sent: the batch stopped on ${fields.stopCode}, which every chunk would meet: ${message}`.slice(
        0,
        1000,
      ),
  };
}
