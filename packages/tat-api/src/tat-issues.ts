import type { TatErrorCode } from "./error-codes.js";

/** A refinement's options that carry the TAT code its failure answers (read by validate-request). */
export function tatRefinement(code: TatErrorCode, message: string) {
  return { message, params: { tatCode: code } };
}

/** A custom issue that carries the TAT code it answers (read by validate-request). */
export function tatIssue(code: TatErrorCode, message: string, path: PropertyKey[] = []) {
  return { code: "custom" as const, message, path, params: { tatCode: code } };
}
