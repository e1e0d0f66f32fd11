import { readFileSync } from "node:fs";
import { parse, YAMLParseError } from "yaml";
import { z } from "zod";
import { type Caller, SCOPES } from "./caller.js";

/** An allow-list left out allows nothing: `["*"]` must be written to allow everything. */
const patterns = z.array(z.string().min(1).max(200)).default([]);

const callerSchema = z
  .strictObject({
    Name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/, "1 to 63 letters, digits, '.', '_' or '-'"),
    KeySha256: z
      .string()
      .regex(/^[0-9a-f]{64}$/, "the hex SHA-256 of the key (npx tat-bulk hash-key), 64 lowercase hex digits"),
    Scopes: z.array(z.enum(SCOPES)).min(1),
    AllowedCommandIds: patterns,
    AllowedRegions: patterns,
    AllowedAccounts: patterns,
    MaxInstancesInFlight: z.number().int().positive().optional(),
    Weight: z.number().int().min(1).max(1000).default(1),
    WebhookSecret: z.string().min(16, "needs at least 16 characters").optional(),
    WebhookSecretEnv: z
      .string()
      .regex(/^[A-Z_][A-Z0-9_]*$/, "the name of an environment variable")
      .optional(),
  })
  .refine((c) => c.WebhookSecret === undefined || c.WebhookSecretEnv === undefined, {
    message: "WebhookSecret or WebhookSecretEnv, not both",
  });

export class CallersFileError extends Error {
  override name = "CallersFileError";
}

/** The issues of one entry, each as `field: message`. */
const describe = (error: z.ZodError) =>
  error.issues.map((issue) => `${issue.path.join(".") || "(entry)"}: ${issue.message}`).join("; ");

/**
 * Callers from a JSON or YAML text (YAML reads JSON too): a list of entries. Every problem names
 * the entry (its position and Name) and the field.
 */
export function parseCallers(text: string, source: string): Caller[] {
  let raw: unknown;
  try {
    raw = parse(text);
  } catch (error) {
    // The parser's message quotes the text around the error: the position alone, never the text.
    const at = error instanceof YAMLParseError ? error.linePos?.[0] : undefined;
    throw new CallersFileError(
      `${source}: not JSON or YAML${at ? ` (line ${at.line}, column ${at.col})` : ""}`,
    );
  }
  if (!Array.isArray(raw)) throw new CallersFileError(`${source}: must be a list of callers`);
  const callers: Caller[] = [];
  raw.forEach((entry: unknown, i) => {
    const name = typeof entry === "object" && entry && "Name" in entry ? ` ("${String(entry.Name)}")` : "";
    const result = callerSchema.safeParse(entry);
    if (!result.success)
      throw new CallersFileError(`${source}: entry ${i + 1}${name}: ${describe(result.error)}`);
    const { MaxInstancesInFlight, ...rest } = result.data;
    callers.push({ ...rest, MetricsLabel: rest.Name, MaxInstancesInFlight });
  });
  return callers;
}

export function readCallersFile(path: string): Caller[] {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new CallersFileError(
      `${path}: cannot be read (${(error as NodeJS.ErrnoException).code ?? "error"})`,
    );
  }
  return parseCallers(text, path);
}
