import { createHash } from "node:crypto";

/**
 * What a caller may do:
 * - `batches:read`: list and read its batches and their instances;
 * - `batches:write`: submit batches and retry their failed instances;
 * - `batches:cancel`: cancel its batches;
 * - `invokers:write`: disable, enable and delete its batches' invokers;
 * - `priority:high`: submit with `Priority: HIGH`;
 * - `admin`: all of the above on every caller's batches, and the audit trail.
 */
export const SCOPES = [
  "batches:read",
  "batches:write",
  "batches:cancel",
  "invokers:write",
  "priority:high",
  "admin",
] as const;
export type Scope = (typeof SCOPES)[number];

export interface Caller {
  Name: string;
  /** Hex SHA-256 of the caller's API key: the key itself is never stored. */
  KeySha256: string;
  Scopes: readonly Scope[];
  /** Globs (`*`, `?`) a batch's CommandId must match. */
  AllowedCommandIds: readonly string[];
  AllowedRegions: readonly string[];
  /** TAT accounts (by name) the caller's batches may name. */
  AllowedAccounts: readonly string[];
  /** Unfinished instances the caller may have across its batches; undefined: no limit. */
  MaxInstancesInFlight: number | undefined;
  /** Its share of the TAT budget against other callers' (scheduling). */
  Weight: number;
}

export const sha256Hex = (text: string) => createHash("sha256").update(text).digest("hex");

/** Whether the caller holds the scope (admin holds them all). */
export const hasScope = (caller: Caller, scope: Scope) =>
  caller.Scopes.includes("admin") || caller.Scopes.includes(scope);

export const isAdmin = (caller: Caller) => caller.Scopes.includes("admin");

/**
 * A key of INTAKE_API_KEYS as a caller: named by a short hash of the key, with every scope but
 * admin and no restriction, so keys configured before callers existed keep working as they did.
 */
export function keyCaller(key: string): Caller {
  const hash = sha256Hex(key);
  return {
    Name: `key-${hash.slice(0, 12)}`,
    KeySha256: hash,
    Scopes: SCOPES.filter((scope) => scope !== "admin"),
    AllowedCommandIds: ["*"],
    AllowedRegions: ["*"],
    AllowedAccounts: ["*"],
    MaxInstancesInFlight: undefined,
    Weight: 1,
  };
}
