import type { RedisClient } from "@tat-bulk/redis";

/** One thing a caller did, or tried: never a key or a secret. */
export interface AuditEntry {
  /** ISO time (the stream entry's ID). */
  Time: string;
  /** The caller's name; a refused key shows as `key:<first 8 hex of its SHA-256>`, no key as `anonymous`. */
  Caller: string;
  /** submit, cancel, retry, disable, enable, delete-invokers, or authenticate (a refused key). */
  Action: string;
  BatchId: string | null;
  RequestId: string;
  /** The client's address as the intake saw it. */
  Source: string;
  Outcome: "ok" | "refused" | "failed";
  Status: number;
  /** The error code when not ok. */
  Code: string | null;
}

export type NewAuditEntry = Omit<AuditEntry, "Time">;

export interface AuditQuery {
  caller?: string;
  batchId?: string;
  /** Epoch ms: entries at or after. */
  since?: number;
  limit: number;
}

const FIELDS = ["caller", "action", "batchId", "requestId", "source", "outcome", "status", "code"] as const;
/** How many entries a query reads at most while filtering (a bound on its cost). */
const SCAN_LIMIT = 100_000;
const PAGE = 1000;

/**
 * The audit trail: a Redis stream, capped by age (entries older than the retention are trimmed as
 * new ones arrive), newest first when read.
 */
export class AuditTrail {
  constructor(
    private readonly redis: RedisClient,
    private readonly key: string,
    private readonly retentionMs: number,
  ) {}

  async append(entry: NewAuditEntry): Promise<void> {
    const values: Record<(typeof FIELDS)[number], string> = {
      caller: entry.Caller,
      action: entry.Action,
      batchId: entry.BatchId ?? "",
      requestId: entry.RequestId,
      source: entry.Source,
      outcome: entry.Outcome,
      status: String(entry.Status),
      code: entry.Code ?? "",
    };
    const minId = String(Math.max(0, Date.now() - this.retentionMs));
    await this.redis.xadd(this.key, "MINID", "~", minId, "*", ...FIELDS.flatMap((f) => [f, values[f]]));
  }

  /** Newest first, filtered. */
  async query(query: AuditQuery): Promise<AuditEntry[]> {
    const found: AuditEntry[] = [];
    const floor = query.since === undefined ? "-" : String(query.since);
    let end = "+";
    for (let scanned = 0; scanned < SCAN_LIMIT && found.length < query.limit; scanned += PAGE) {
      const page = await this.redis.xrevrange(this.key, end, floor, "COUNT", PAGE);
      for (const [id, fields] of page) {
        const entry = toEntry(id, fields);
        if (query.caller !== undefined && entry.Caller !== query.caller) continue;
        if (query.batchId !== undefined && entry.BatchId !== query.batchId) continue;
        found.push(entry);
        if (found.length === query.limit) break;
      }
      const last = page.at(-1);
      if (page.length < PAGE || !last) break;
      end = `(${last[0]}`;
    }
    return found;
  }
}

function toEntry(id: string, fields: string[]): AuditEntry {
  const value = new Map<string, string>();
  for (let i = 0; i + 1 < fields.length; i += 2) value.set(fields[i] ?? "", fields[i + 1] ?? "");
  const text = (name: string) => value.get(name) ?? "";
  return {
    Time: new Date(Number(id.split("-")[0])).toISOString(),
    Caller: text("caller"),
    Action: text("action"),
    BatchId: text("batchId") || null,
    RequestId: text("requestId"),
    Source: text("source"),
    Outcome: text("outcome") as AuditEntry["Outcome"],
    Status: Number(text("status")),
    Code: text("code") || null,
  };
}
