import type { z } from "zod";
import type { TatErrorCode } from "./error-codes.js";
import { tatCodeForIssue } from "./field-error-codes.js";
import { isInvokeTimeExpired } from "./guessed-rules.js";
import { parseInvokeTime } from "./invoke-time.js";

export interface TatError {
  code: TatErrorCode;
  message: string;
}

export type Validation<T> = { ok: true; value: T } | { ok: false; error: TatError };

function pathName(path: readonly PropertyKey[]): string {
  return (
    path
      .map((p) => (typeof p === "number" ? `.${p}` : `.${String(p)}`))
      .join("")
      .slice(1) || "body"
  );
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let current = root;
  for (const key of path) {
    if (typeof current !== "object" || current === null) return undefined;
    if (!Object.hasOwn(current, key)) return undefined;
    current = (current as Record<PropertyKey, unknown>)[key];
  }
  return current;
}

/** A required field that is absent fails as a type or literal mismatch on `undefined`. */
function isMissing(issue: z.core.$ZodIssue, root: unknown): boolean {
  return (
    (issue.code === "invalid_type" || issue.code === "invalid_value") &&
    valueAt(root, issue.path) === undefined
  );
}

function priority(issue: z.core.$ZodIssue, root: unknown): number {
  if (issue.code === "unrecognized_keys") return 0;
  if (isMissing(issue, root)) return 1;
  if (issue.code === "invalid_type") return 2;
  return 3;
}

function toTatError(issue: z.core.$ZodIssue, root: unknown): TatError {
  const name = pathName(issue.path);
  if (issue.code === "unrecognized_keys") {
    const where = issue.path.length ? ` in ${name}` : "";
    return { code: "UnknownParameter", message: `Unknown parameter${where}: ${issue.keys.join(", ")}` };
  }
  if (isMissing(issue, root))
    return { code: "MissingParameter", message: `The parameter ${name} is missing` };
  if (issue.code === "invalid_type") {
    return { code: "InvalidParameter", message: `${name} must be of type ${issue.expected}` };
  }
  return { code: tatCodeForIssue(issue), message: issue.message };
}

interface InvokerShaped {
  InstanceIds: string[];
  ScheduleSettings: { Policy: string; InvokeTime?: string | undefined };
}

/**
 * Validates a CreateInvoker-shaped body against `schema` and answers the one error TAT would give
 * first: unknown parameters, then missing ones, then wrong types, then values in field order.
 */
export function validateInvokerRequest<S extends z.ZodType<InvokerShaped>>(
  schema: S,
  body: unknown,
  now: Date,
  maxInstances: number,
): Validation<z.infer<S>> {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    return { ok: false, error: { code: "InvalidParameter", message: "The body must be a JSON object" } };
  }
  // Bounded work on hostile input: refuse an oversized list before checking every element of it.
  const ids = (body as Record<string, unknown>).InstanceIds;
  if (Array.isArray(ids) && ids.length > maxInstances) {
    return {
      ok: false,
      error: {
        code: "InvalidParameterValue.Range",
        message: `InstanceIds must hold 1 to ${maxInstances} IDs`,
      },
    };
  }
  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    const issues = parsed.error.issues;
    let first = issues[0];
    for (const issue of issues) {
      if (first === undefined || priority(issue, body) < priority(first, body)) first = issue;
    }
    if (first === undefined)
      return { ok: false, error: { code: "InvalidParameter", message: "Invalid body" } };
    return { ok: false, error: toTatError(first, body) };
  }
  const settings = parsed.data.ScheduleSettings;
  if (settings.Policy === "ONCE" && settings.InvokeTime !== undefined) {
    const at = parseInvokeTime(settings.InvokeTime);
    if (at && isInvokeTimeExpired(at, now)) {
      return {
        ok: false,
        error: {
          code: "InvalidParameterValue.InvokeTimeExpired",
          message: `ScheduleSettings.InvokeTime ${settings.InvokeTime} is in the past`,
        },
      };
    }
  }
  return { ok: true, value: parsed.data };
}
