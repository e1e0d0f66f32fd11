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
  /**
   * The caller as the open /metrics endpoint names it: its Name when the callers file gives one, a
   * position (`api-key-2`) for an INTAKE_API_KEYS key, never anything derived from a key.
   */
  MetricsLabel: string;
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
  /**
   * The secret its webhook deliveries are signed with (or the environment variable holding it):
   * its receivers can then tell its events from every other caller's. Without one, the workers'
   * WEBHOOK_SIGNING_SECRET signs them.
   */
  WebhookSecret?: string;
  WebhookSecretEnv?: string;
}

export const sha256Hex = (text: string) => createHash("sha256").update(text).digest("hex");

/** Whether the caller holds the scope (admin holds them all). */
export const hasScope = (caller: Caller, scope: Scope) =>
  caller.Scopes.includes("admin") || caller.Scopes.includes(scope);

export const isAdmin = (caller: Caller) => caller.Scopes.includes("admin");

/**
 * The `position`-th key of INTAKE_API_KEYS (from 1) as a caller: every command, region and account,
 * every scope but admin and priority:high, and `maxInstancesInFlight` unfinished instances at most
 * (INTAKE_DEFAULT_MAX_INSTANCES_IN_FLIGHT), so that one such key cannot starve the others. It owns
 * its batches under a name made from a short hash of the key (as before callers existed), which
 * only its owner and admins see; metrics call it by its position.
 */
export function keyCaller(key: string, position: number, maxInstancesInFlight: number): Caller {
  const hash = sha256Hex(key);
  return {
    Name: `key-${hash.slice(0, 12)}`,
    MetricsLabel: `api-key-${position}`,
    KeySha256: hash,
    Scopes: SCOPES.filter((scope) => scope !== "admin" && scope !== "priority:high"),
    AllowedCommandIds: ["*"],
    AllowedRegions: ["*"],
    AllowedAccounts: ["*"],
    MaxInstancesInFlight: maxInstancesInFlight,
    Weight: 1,
  };
}
