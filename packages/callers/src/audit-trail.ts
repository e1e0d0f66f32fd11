import type { RedisClient } from "@tat-bulk/redis";
import type { ChainableCommander } from "ioredis";

/**
 * - started: a state-changing request, written before it changes anything;
 * - ok, refused (401, 403, 404, 409, 413, 429), failed (400, 5xx): how a request ended.
 */
export type AuditOutcome = "started" | "ok" | "refused" | "failed";

/** One thing a caller did, or tried, or a count of alike ones: never a key or a secret. */
export interface AuditEntry {
  /** The stream entry's ID: `before=<Id>` pages past it. */
  Id: string;
  /** ISO time it was written. */
  Time: string;
  /** The caller's name; `unauthenticated` for requests whose key was missing or refused. */
  Caller: string;
  /** submit, cancel, retry, disable, enable, delete-invokers, list, read, instances, audit, authenticate… */
  Action: string;
  BatchId: string | null;
  /** The request's ID; null on a count of several. */
  RequestId: string | null;
  /** The client's address as the intake saw it. */
  Source: string;
  Outcome: AuditOutcome;
  /** The HTTP status; null while started. */
  Status: number | null;
  /** The error code when not ok. */
  Code: string | null;
  /** The parameters that matter (a submit's command, instance count, region…); null if none. */
  Details: Record<string, string | number | boolean> | null;
  /** How many alike requests this entry stands for (reads, refused keys, 429s: one entry a minute). */
  Count: number;
  /** For a count: when its minute began (ISO); null otherwise. */
  Since: string | null;
}

export type NewAuditEntry = Omit<AuditEntry, "Id" | "Time" | "Count" | "Since" | "Details"> & {
  Details?: AuditEntry["Details"];
  Count?: number;
  /** Epoch ms. */
  Since?: number;
};

export interface AuditQuery {
  caller?: string;
  batchId?: string;
  /** Epoch ms: entries at or after. */
  since?: number;
  /** An entry ID: only entries older than it (the next page). */
  before?: string;
  limit: number;
}

export interface AuditPage {
  entries: AuditEntry[];
  /** Where the next page starts (`before`), or undefined when the trail has no older entry. */
  next: string | undefined;
}

export interface AuditTrailOptions {
  /** Entries older than this are trimmed (trim()). */
  retentionMs: number;
  /** The stream never holds many more than this (MAXLEN ~ on every append). */
  maxEntries: number;
}

/** How many entries one query reads at most while filtering; past it, it answers where to go on. */
const SCAN_LIMIT = 20_000;
const PAGE = 1000;

/** The stream's one field: the entry as JSON (a field per value cost the intake a command argument each). */
const ENTRY = "entry";

/** An entry as the stream holds it: its ID and time are the stream's own; Since in epoch ms. */
type StoredEntry = Omit<AuditEntry, "Id" | "Time" | "Since"> & { Since: number | null };

function fieldsOf(entry: NewAuditEntry): [string, string] {
  const stored: StoredEntry = {
    Caller: entry.Caller,
    Action: entry.Action,
    BatchId: entry.BatchId,
    RequestId: entry.RequestId,
    Source: entry.Source,
    Outcome: entry.Outcome,
    Status: entry.Status,
    Code: entry.Code,
    Details: entry.Details ?? null,
    Count: entry.Count ?? 1,
    Since: entry.Since ?? null,
  };
  return [ENTRY, JSON.stringify(stored)];
}

interface PendingAppend {
  entry: NewAuditEntry;
  resolve: (id: string) => void;
  reject: (error: unknown) => void;
}

/**
 * The audit trail: a Redis stream capped by size on every append (`maxEntries`, approximately) and
 * by age (`trim`), read newest first a page at a time, so no volume of entries hides older ones
 * from whoever pages.
 */
export class AuditTrail {
  constructor(
    private readonly redis: RedisClient,
    private readonly key: string,
    private readonly options: AuditTrailOptions,
  ) {}

  private pending: PendingAppend[] = [];

  /**
   * Appends an entry; answers its ID once Redis holds it. Appends made in one turn of the event
   * loop (requests answered together under load) go out as one pipeline: a round trip each cost
   * the intake a sixth of its CPU per submit, the intent and the outcome both being written.
   */
  append(entry: NewAuditEntry): Promise<string> {
    return new Promise((resolve, reject) => {
      this.pending.push({ entry, resolve, reject });
      if (this.pending.length === 1) setImmediate(() => this.flush());
    });
  }

  private flush(): void {
    const batch = this.pending;
    this.pending = [];
    const pipeline = this.redis.pipeline();
    for (const { entry } of batch) this.appendIn(pipeline, entry);
    pipeline.exec().then(
      (replies) =>
        batch.forEach(({ resolve, reject }, i) => {
          const [error, id] = replies?.[i] ?? [new Error("audit append got no reply"), null];
          if (error) reject(error);
          else resolve(typeof id === "string" ? id : "");
        }),
      (error: unknown) => {
        for (const { reject } of batch) reject(error);
      },
    );
  }

  /**
   * Adds the entry's append to a transaction (the same hash tag as the trail's key), so that it is
   * written if and only if the rest is: a submit's outcome with its batch's commit.
   */
  appendIn(multi: Pick<ChainableCommander, "xadd">, entry: NewAuditEntry): void {
    multi.xadd(this.key, "MAXLEN", "~", String(this.options.maxEntries), "*", ...fieldsOf(entry));
  }

  /** Appends several entries (one round trip, as appends made together are). */
  async appendAll(entries: readonly NewAuditEntry[]): Promise<void> {
    await Promise.all(entries.map((entry) => this.append(entry)));
  }

  /** Drops entries older than the retention. */
  async trim(now = Date.now()): Promise<void> {
    await this.redis.xtrim(this.key, "MINID", "~", String(Math.max(0, now - this.options.retentionMs)));
  }

  /** Newest first, filtered, from `before` on. */
  async query(query: AuditQuery): Promise<AuditPage> {
    const found: AuditEntry[] = [];
    const floor = query.since === undefined ? "-" : String(query.since);
    let end = query.before === undefined ? "+" : `(${query.before}`;
    for (let scanned = 0; scanned < SCAN_LIMIT; scanned += PAGE) {
      const page = await this.redis.xrevrange(this.key, end, floor, "COUNT", PAGE);
      for (const [id, fields] of page) {
        end = `(${id}`;
        const entry = toEntry(id, fields);
        if (query.caller !== undefined && entry.Caller !== query.caller) continue;
        if (query.batchId !== undefined && entry.BatchId !== query.batchId) continue;
        found.push(entry);
        if (found.length === query.limit) return { entries: found, next: id };
      }
      if (page.length < PAGE) return { entries: found, next: undefined };
    }
    // Read as much as one query may without filling the page: go on from where it stopped.
    return { entries: found, next: end.slice(1) };
  }
}

function toEntry(id: string, fields: string[]): AuditEntry {
  const time = new Date(Number(id.split("-")[0])).toISOString();
  const stored = fields[0] === ENTRY ? parseStored(fields[1]) : undefined;
  if (stored) {
    const { Since, ...rest } = stored;
    return { Id: id, Time: time, ...rest, Since: Since === null ? null : new Date(Since).toISOString() };
  }
  return legacyEntry(id, time, fields);
}

function parseStored(json: string | undefined): StoredEntry | undefined {
  try {
    const value: unknown = JSON.parse(json ?? "");
    return typeof value === "object" && value !== null ? (value as StoredEntry) : undefined;
  } catch {
    return undefined;
  }
}

/** Entries written before the one-field form (a field per value), read as they were written. */
function legacyEntry(id: string, time: string, fields: string[]): AuditEntry {
  const value = new Map<string, string>();
  for (let i = 0; i + 1 < fields.length; i += 2) value.set(fields[i] ?? "", fields[i + 1] ?? "");
  const text = (name: string) => value.get(name) ?? "";
  const details = text("details");
  const since = text("since");
  return {
    Id: id,
    Time: time,
    Caller: text("caller"),
    Action: text("action"),
    BatchId: text("batchId") || null,
    RequestId: text("requestId") || null,
    Source: text("source"),
    Outcome: text("outcome") as AuditOutcome,
    Status: text("status") === "" ? null : Number(text("status")),
    Code: text("code") || null,
    Details: details ? (JSON.parse(details) as AuditEntry["Details"]) : null,
    Count: Number(text("count") || "1"),
    Since: since ? new Date(Number(since)).toISOString() : null,
  };
}
