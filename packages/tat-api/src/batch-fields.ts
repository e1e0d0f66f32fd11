import { z } from "zod";
import { tatRefinement } from "./tat-issues.js";

/**
 * `MaxErrors` as AWS Systems Manager takes it: a count (`"25"`) or a percentage of the batch's
 * unique instances (`"1%"`). Failed instances beyond it stop the batch.
 */
export const maxErrorsSchema = z
  .string()
  .refine(
    (text) => /^\d{1,9}$/.test(text) || (/^\d{1,3}%$/.test(text) && Number(text.slice(0, -1)) <= 100),
    tatRefinement(
      "InvalidParameterValue",
      'MaxErrors must be a count ("25") or a percentage up to 100% ("1%")',
    ),
  )
  .meta({ description: 'How many failed instances stop the batch: a count ("25") or a percentage ("1%").' });

/** The failed instances a batch of `instances` unique instances tolerates: MaxErrors as a number. */
export function maxErrorsThreshold(maxErrors: string, instances: number): number {
  if (!maxErrors.endsWith("%")) return Number(maxErrors);
  return Math.floor((Number(maxErrors.slice(0, -1)) * instances) / 100);
}

/** An http(s) URL that a completion webhook is POSTed to (the intake checks its host). */
export const callbackUrlSchema = z
  .string()
  .max(2048)
  .refine(
    (text) => {
      try {
        const url = new URL(text);
        return (
          (url.protocol === "http:" || url.protocol === "https:") &&
          url.username === "" &&
          url.password === ""
        );
      } catch {
        return false;
      }
    },
    tatRefinement("InvalidParameterValue", "CallbackUrl must be an http or https URL without credentials"),
  )
  .meta({ description: "POSTed a signed JSON event when the batch finishes; its host must be allowed." });

/** The account a batch without `Account` calls with: the one-account shorthand's (TAT_SECRET_ID…). */
export const DEFAULT_ACCOUNT = "default";

/** Which of the workers' TAT accounts the batch's calls use (the intake checks the name). */
export const accountNameSchema = z
  .string()
  .regex(
    /^[A-Za-z0-9_.-]{1,64}$/,
    tatRefinement("InvalidParameterValue", "Account must be the name of a configured TAT account"),
  )
  .meta({ description: `The TAT account the batch calls with; defaults to "${DEFAULT_ACCOUNT}".` });

/** Strictly first: every HIGH chunk goes before NORMAL ones, NORMAL before LOW (which ages into NORMAL). */
export const prioritySchema = z
  .enum(["HIGH", "NORMAL", "LOW"], "Priority must be HIGH, NORMAL or LOW")
  .meta({ description: "HIGH (needs the priority:high scope), NORMAL (the default) or LOW." });
