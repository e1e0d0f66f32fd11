import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import type { Connection } from "./args.js";
import { UsageError } from "./exit-codes.js";

/**
 * Where the intake is: flags, then TAT_BULK_URL / TAT_BULK_API_KEY, then the stack `npm start`
 * runs from this directory (it writes .data/stack.json).
 */
export function resolveConnection(
  flags: Connection,
  env: NodeJS.ProcessEnv,
  cwd: string,
): { url: string; apiKey: string } {
  let stack: { intakeUrl?: string; apiKey?: string } = {};
  try {
    stack = JSON.parse(readFileSync(resolve(cwd, env.STACK_DATA_DIR ?? ".data", "stack.json"), "utf8"));
  } catch {
    // No local stack: flags or environment must say.
  }
  const url = flags.url ?? env.TAT_BULK_URL ?? stack.intakeUrl;
  const apiKey = flags.apiKey ?? env.TAT_BULK_API_KEY ?? stack.apiKey;
  if (!url) throw new UsageError("no intake URL: pass --url, set TAT_BULK_URL, or run `npm start` here");
  if (!apiKey) throw new UsageError("no API key: pass --api-key or set TAT_BULK_API_KEY");
  return { url: url.replace(/\/$/, ""), apiKey };
}
