import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sha256Hex } from "@tat-bulk/callers";
import { type IntakeHarness, startIntake, validBatch } from "./intake-harness.js";

/** Each test caller's key: never logged or stored, only its hash (the file holds hashes). */
export const KEYS = {
  "team-a": "team-a-key-0123456789abcdef",
  "team-b": "team-b-key-0123456789abcdef",
  ops: "ops-admin-key-0123456789abcd",
  nobody: "nobody-key-0123456789abcdef",
  capped: "capped-key-0123456789abcdef",
} as const;
export type CallerName = keyof typeof KEYS;

const ALL = ["batches:read", "batches:write", "batches:cancel", "invokers:write"];
/** Allow-lists left out allow nothing: a caller that may run anything says so. */
const ANYTHING = '  AllowedCommandIds: ["*"]\n  AllowedRegions: ["*"]\n  AllowedAccounts: ["*"]\n';

/** A callers file (YAML) in a temporary folder, for INTAKE_CALLERS_FILE. */
export function callersFile(): string {
  const entry = (name: CallerName, scopes: string[], extra = "") =>
    `- Name: ${name}\n  KeySha256: ${sha256Hex(KEYS[name])}\n  Scopes: [${scopes.join(", ")}]\n${extra}`;
  const file = join(mkdtempSync(join(tmpdir(), "tat-bulk-callers-")), "callers.yaml");
  writeFileSync(
    file,
    [
      entry(
        "team-a",
        ALL,
        '  AllowedCommandIds: ["cmd-m7*"]\n  AllowedRegions: ["ap-guang?hou", "ap-shanghai"]\n  AllowedAccounts: ["default", "main"]\n',
      ),
      entry("team-b", ALL, ANYTHING),
      entry("ops", ["admin"], ANYTHING),
      entry("nobody", ["priority:high"], ANYTHING),
      entry("capped", ALL, `${ANYTHING}  MaxInstancesInFlight: 300\n`),
    ].join(""),
  );
  return file;
}

/** The intake with the test callers and the old-style keys, a fast request limit for the rate test. */
export const startCallersIntake = (env: Record<string, string> = {}) =>
  startIntake({ env: { INTAKE_CALLERS_FILE: callersFile(), ...env } });

/** A request as one caller. */
export function as(h: IntakeHarness, caller: CallerName) {
  return async <T = Record<string, unknown>>(method: string, path: string, json?: unknown) => {
    const res = await h.request(path, { method, key: KEYS[caller], ...(json === undefined ? {} : { json }) });
    return { status: res.status, headers: res.headers, body: (await res.json()) as T };
  };
}

/** team-a's new batch (instances offset so that batches never share one). */
let offset = 0;
export async function submitAs(h: IntakeHarness, caller: CallerName, size = 2): Promise<string> {
  const ids = Array.from({ length: size }, (_, i) => `ins-${(offset + i).toString(36).padStart(8, "0")}`);
  offset += size;
  const answer = await as(h, caller)<{ BatchId: string }>("POST", "/v1/invoker-batches", validBatch(ids));
  if (answer.status !== 202)
    throw new Error(`submit as ${caller}: ${answer.status} ${JSON.stringify(answer.body)}`);
  return answer.body.BatchId;
}
