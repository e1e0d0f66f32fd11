import { createRequire } from "node:module";

/**
 * The one place that reaches into BullMQ's private files. `bullmq` is pinned to an exact version in
 * every manifest for this reason: BullMQ 6 restructured this code, and a minor release may too.
 * Anything that does not look as expected makes the caller use BullMQ's public `addBulk` instead.
 */

/** A script as BullMQ ships it in `bullmq/dist/cjs/scripts`. */
export interface BullScript {
  name: string;
  content: string;
  keys: number;
}

function isBullScript(value: unknown): value is BullScript {
  if (typeof value !== "object" || value === null) return false;
  const script = value as Record<string, unknown>;
  return (
    typeof script.content === "string" && typeof script.keys === "number" && typeof script.name === "string"
  );
}

/** BullMQ's addStandardJob script, or null when the installed BullMQ has none we recognise. */
export function loadAddStandardJob(): BullScript | null {
  try {
    const scripts: unknown = createRequire(import.meta.url)("bullmq/dist/cjs/scripts/index.js");
    const script = (scripts as Record<string, unknown> | null)?.addStandardJob;
    return isBullScript(script) ? script : null;
  } catch {
    return null;
  }
}

/** The version of BullMQ this code was written against (the one the manifests pin). */
export function installedBullmqVersion(): string {
  const manifest: unknown = createRequire(import.meta.url)("bullmq/package.json");
  const version = (manifest as { version?: unknown } | null)?.version;
  return typeof version === "string" ? version : "unknown";
}
