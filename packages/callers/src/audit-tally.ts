import type { NewAuditEntry } from "./audit-trail.js";

/** What a counted entry is made of: everything but its request. */
export type TalliedEntry = Omit<NewAuditEntry, "RequestId" | "Count" | "Since" | "Details">;

/** Kinds one window holds at most; more are counted under one overflow entry per outcome. */
const MAX_KINDS = 10_000;

/**
 * Requests that are many and alike (reads, refused keys, rate-limited requests) counted in memory
 * and written as one entry per kind (caller, action, batch, source, outcome, status, code) and
 * minute, with the count: a flood of them costs a few entries, not one each. Each intake replica
 * counts its own; a crash loses at most its current minute's counts.
 */
export class AuditTally {
  private windows = new Map<number, Map<string, { entry: TalliedEntry; count: number }>>();

  /** `windowMs`: how long one count runs (a minute by default). */
  constructor(private readonly windowMs = 60_000) {}

  add(entry: TalliedEntry, now = Date.now()): void {
    const start = now - (now % this.windowMs);
    let window = this.windows.get(start);
    if (!window) {
      window = new Map();
      this.windows.set(start, window);
    }
    let kind = JSON.stringify([
      entry.Caller,
      entry.Action,
      entry.BatchId,
      entry.Source,
      entry.Outcome,
      entry.Status,
      entry.Code,
    ]);
    let counted = entry;
    if (!window.has(kind) && window.size >= MAX_KINDS) {
      counted = { ...entry, Caller: "(many)", BatchId: null, Source: "(many)" };
      kind = `overflow:${entry.Outcome}:${entry.Status}`;
    }
    const slot = window.get(kind);
    if (slot) slot.count++;
    else window.set(kind, { entry: counted, count: 1 });
  }

  /** The entries of every window that ended by `now` (all of them with `everything`), taken out. */
  take(now = Date.now(), everything = false): NewAuditEntry[] {
    const entries: NewAuditEntry[] = [];
    for (const [start, window] of this.windows) {
      if (!everything && start + this.windowMs > now) continue;
      this.windows.delete(start);
      for (const { entry, count } of window.values()) {
        entries.push({ ...entry, RequestId: null, Count: count, Since: start });
      }
    }
    return entries;
  }
}
