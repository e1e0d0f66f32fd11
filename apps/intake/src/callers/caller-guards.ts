import { type Caller, globMatcher, hasScope, isAdmin, type Scope } from "@tat-bulk/callers";
import { DEFAULT_ACCOUNT } from "@tat-bulk/tat-api";
import type { RequestHandler } from "express";
import { apiError } from "../api-error.js";
import type { IntakeMetrics } from "../metrics.js";

/** 403 UnauthorizedOperation unless the caller holds the scope (admin holds them all). */
export function requireScope(scope: Scope, metrics: IntakeMetrics): RequestHandler {
  return (req, _res, next) => {
    if (hasScope(req.caller, scope)) return next();
    metrics.authFailures.inc({ reason: "missing-scope" });
    next(apiError("UnauthorizedOperation", `The caller ${req.caller.Name} lacks the scope ${scope}`));
  };
}

/**
 * Whether the caller may see a batch: its own, or any for admin. A batch from before callers
 * existed belongs to no caller, so only admin sees it.
 */
export const canSee = (caller: Caller, owner: string | null) => isAdmin(caller) || owner === caller.Name;

/** What a caller's batch may name, refused before anything is enqueued. */
export function checkAllowLists(
  caller: Caller,
  request: { CommandId: string; Region: string; Account?: string | undefined; Priority?: string | undefined },
  metrics: IntakeMetrics,
): void {
  if (request.Priority === "HIGH" && !hasScope(caller, "priority:high")) {
    metrics.authFailures.inc({ reason: "missing-scope" });
    throw apiError("UnauthorizedOperation", `The caller ${caller.Name} lacks the scope priority:high`);
  }
  const account = request.Account ?? DEFAULT_ACCOUNT;
  const lists = [
    [caller.AllowedCommandIds, request.CommandId, "CommandNotAllowed", "command-not-allowed", "run"],
    [caller.AllowedRegions, request.Region, "RegionNotAllowed", "region-not-allowed", "use region"],
    [caller.AllowedAccounts, account, "AccountNotAllowed", "account-not-allowed", "use account"],
  ] as const;
  for (const [globs, value, code, reason, doing] of lists) {
    if (globMatcher(globs)(value)) continue;
    metrics.authFailures.inc({ reason });
    throw apiError(`UnauthorizedOperation.${code}`, `The caller ${caller.Name} may not ${doing} ${value}`);
  }
}
