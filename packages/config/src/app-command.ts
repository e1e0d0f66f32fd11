import { readFileSync } from "node:fs";
import { join } from "node:path";

/**
 * The arguments that run a built app of this repository with `node`: the Node flags its
 * package.json lists under "nodeFlags" (the intake's larger young generation, for instance), then
 * its entry point. One place says how an app wants to run; every launcher reads it.
 */
export function appCommand(appDir: string): string[] {
  const manifest: unknown = JSON.parse(readFileSync(join(appDir, "package.json"), "utf8"));
  const flags = (manifest as { nodeFlags?: unknown } | null)?.nodeFlags ?? [];
  if (!Array.isArray(flags) || !flags.every((flag) => typeof flag === "string" && flag.startsWith("--"))) {
    throw new Error(`${appDir}/package.json: "nodeFlags" must be a list of --flags`);
  }
  return [...flags, join(appDir, "dist", "main.js")];
}
