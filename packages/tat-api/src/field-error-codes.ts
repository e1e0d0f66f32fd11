import type { z } from "zod";
import { TAT_ERROR_CODES, type TatErrorCode } from "./error-codes.js";

/**
 * The TAT code a field's failed built-in check answers. Zod's issue says what failed (too_small,
 * invalid_format, …) and where; which TAT code that is, is a fact about the field, stated here once.
 * Refinements and custom checks carry their code in the issue itself (`tatRefinement`, `tatIssue`).
 * Anything not listed answers InvalidParameterValue.
 */
const FIELD_ERROR_CODES: ReadonlyArray<{ path: string; issues: readonly string[]; code: TatErrorCode }> = [
  { path: "Name", issues: ["too_small", "too_big"], code: "InvalidParameterValue.TooLong" },
  { path: "Username", issues: ["too_big"], code: "InvalidParameterValue.TooLong" },
  { path: "CommandId", issues: ["invalid_format"], code: "InvalidParameterValue.InvalidCommandId" },
  { path: "InstanceIds", issues: ["too_small", "too_big"], code: "InvalidParameterValue.Range" },
  { path: "Tags", issues: ["too_big"], code: "InvalidParameterValue.Range" },
  { path: "Tags.*.Key", issues: ["too_big"], code: "InvalidParameterValue.TooLong" },
  { path: "Tags.*.Value", issues: ["too_big"], code: "InvalidParameterValue.TooLong" },
];

/** The issue's own code, when a refinement or custom check put one there. */
function carriedCode(issue: z.core.$ZodIssue): TatErrorCode | undefined {
  if (issue.code !== "custom") return undefined;
  const code: unknown = issue.params?.tatCode;
  return TAT_ERROR_CODES.find((known) => known === code);
}

/** The TAT code a value issue (not a missing, unknown or mistyped field) answers. */
export function tatCodeForIssue(issue: z.core.$ZodIssue): TatErrorCode {
  const carried = carriedCode(issue);
  if (carried) return carried;
  const path = issue.path.map((part) => (typeof part === "number" ? "*" : String(part))).join(".");
  const entry = FIELD_ERROR_CODES.find((e) => e.path === path && e.issues.includes(issue.code));
  return entry?.code ?? "InvalidParameterValue";
}
