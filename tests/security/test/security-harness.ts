import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sha256Hex } from "@tat-bulk/callers";

/** The callers of the attacks: one without invokers:write, one ordinary, one admin, one with a quota. */
export const KEYS = {
  limited: "limited-key-0123456789abcdef",
  ordinary: "ordinary-key-0123456789abcdef",
  admin: "admin-key-0123456789abcdef012",
  narrow: "narrow-key-0123456789abcdef01",
} as const;

export const WEBHOOK_SECRETS = {
  ordinary: "ordinary-webhook-secret-0123456789",
  global: "global-webhook-secret-0123456789ab",
} as const;

const ANYTHING = { AllowedCommandIds: ["*"], AllowedRegions: ["*"], AllowedAccounts: ["*"] };

/** A callers file (JSON) for the attacks, in a temporary folder. */
export function securityCallersFile(): string {
  const file = join(mkdtempSync(join(tmpdir(), "tat-bulk-security-")), "callers.json");
  writeFileSync(
    file,
    JSON.stringify([
      {
        Name: "limited",
        KeySha256: sha256Hex(KEYS.limited),
        Scopes: ["batches:read", "batches:write", "batches:cancel"],
        ...ANYTHING,
      },
      {
        Name: "ordinary",
        KeySha256: sha256Hex(KEYS.ordinary),
        Scopes: ["batches:read", "batches:write", "batches:cancel", "invokers:write"],
        ...ANYTHING,
        WebhookSecret: WEBHOOK_SECRETS.ordinary,
      },
      { Name: "admin", KeySha256: sha256Hex(KEYS.admin), Scopes: ["admin"], ...ANYTHING },
      // Allow-lists left out: it may submit nothing.
      { Name: "narrow", KeySha256: sha256Hex(KEYS.narrow), Scopes: ["batches:read", "batches:write"] },
    ]),
  );
  return file;
}
