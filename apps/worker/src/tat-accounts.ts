import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { ConfigError, z } from "@tat-bulk/config";
import { DEFAULT_ACCOUNT } from "@tat-bulk/tat-api";

/** One TAT account the workers may call with, its secret resolved. */
export interface TatAccount {
  name: string;
  secretId: string;
  secretKey: string;
  sessionToken?: string;
  /** Its own endpoint in the global mode; unset: TAT_ENDPOINT. */
  endpoint?: string;
  /** Calls per second per action where they differ from the workers' TAT_RATE_LIMIT(S). */
  rateLimits: ReadonlyMap<string, number>;
  /**
   * Whom Tencent Cloud counts its budgets against, as it appears in Redis keys, metrics and logs:
   * the name, never the SecretId (the shorthand account without TAT_ACCOUNT uses a digest of it).
   */
  budgetLabel: string;
}

const accountEntry = z
  .object({
    Name: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, "Name: letters, digits, _ . - (at most 64)"),
    SecretId: z.string().min(1),
    SecretKey: z.string().min(1).optional(),
    /** The environment variable holding the key, so that the file itself holds no secret. */
    SecretKeyEnv: z.string().min(1).optional(),
    Endpoint: z.string().min(1).optional(),
    RateLimits: z.record(z.string().regex(/^[A-Za-z]+$/), z.number().positive()).optional(),
  })
  .strict()
  .refine((a) => (a.SecretKey === undefined) !== (a.SecretKeyEnv === undefined), {
    message: "exactly one of SecretKey and SecretKeyEnv",
  });

const accountsFile = z.array(accountEntry).min(1, "lists no account");

export interface AccountSettings {
  TAT_ACCOUNTS_FILE?: string | undefined;
  TENCENTCLOUD_SECRET_ID?: string | undefined;
  TENCENTCLOUD_SECRET_KEY?: string | undefined;
  TENCENTCLOUD_SESSION_TOKEN?: string | undefined;
  TAT_ACCOUNT?: string | undefined;
}

const fail = (message: string): never => {
  throw new ConfigError(`invalid configuration:\n  ${message}`);
};

/**
 * The accounts a worker calls TAT with: TAT_ACCOUNTS_FILE, or the TENCENTCLOUD_SECRET_ID/_KEY
 * shorthand as the account "default" (one or the other). Errors name the entry, never a secret.
 */
export function loadAccounts(settings: AccountSettings, env: NodeJS.ProcessEnv): TatAccount[] {
  const { TAT_ACCOUNTS_FILE: file, TENCENTCLOUD_SECRET_ID: id, TENCENTCLOUD_SECRET_KEY: key } = settings;
  if (file) {
    if (id || key) fail("TAT_ACCOUNTS_FILE: set it or TENCENTCLOUD_SECRET_ID/_KEY, not both");
    return accountsFromFile(file, env);
  }
  if (!id || !key)
    return fail("TENCENTCLOUD_SECRET_ID and TENCENTCLOUD_SECRET_KEY (or TAT_ACCOUNTS_FILE) are required");
  return [
    {
      name: DEFAULT_ACCOUNT,
      secretId: id,
      secretKey: key,
      ...(settings.TENCENTCLOUD_SESSION_TOKEN ? { sessionToken: settings.TENCENTCLOUD_SESSION_TOKEN } : {}),
      rateLimits: new Map(),
      budgetLabel:
        settings.TAT_ACCOUNT ?? `key-${createHash("sha256").update(id).digest("hex").slice(0, 12)}`,
    },
  ];
}

function accountsFromFile(path: string, env: NodeJS.ProcessEnv): TatAccount[] {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    // The parser's message quotes the text around the error, which can be part of a secret.
    const why =
      error instanceof SyntaxError
        ? "not valid JSON"
        : `cannot be read (${(error as NodeJS.ErrnoException).code ?? "error"})`;
    return fail(`TAT_ACCOUNTS_FILE: ${path}: ${why}`);
  }
  const parsed = accountsFile.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? `entry ${issue.path.join(".")}` : "the file";
    return fail(`TAT_ACCOUNTS_FILE: ${where}: ${issue?.message ?? "invalid"}`);
  }
  const names = new Set<string>();
  return parsed.data.map((entry, i) => {
    if (names.has(entry.Name)) fail(`TAT_ACCOUNTS_FILE: entry ${i}: Name "${entry.Name}" appears twice`);
    names.add(entry.Name);
    const secretKey = entry.SecretKey ?? env[entry.SecretKeyEnv ?? ""];
    if (!secretKey) {
      return fail(`TAT_ACCOUNTS_FILE: entry ${i} (${entry.Name}): ${entry.SecretKeyEnv} is not set`);
    }
    return {
      name: entry.Name,
      secretId: entry.SecretId,
      secretKey,
      ...(entry.Endpoint ? { endpoint: entry.Endpoint } : {}),
      rateLimits: new Map(Object.entries(entry.RateLimits ?? {})),
      budgetLabel: entry.Name,
    };
  });
}
