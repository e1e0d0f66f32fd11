import { randomBytes } from "node:crypto";
import type { CreateInvokerCall } from "@tat-bulk/tat-api";

export interface Invoker {
  InvokerId: string;
  Name: string;
  Type: string;
  CommandId: string;
  Username: string;
  Parameters: string;
  InstanceIds: string[];
  Enable: boolean;
  ScheduleSettings: CreateInvokerCall["ScheduleSettings"];
  Tags: Array<{ Key: string; Value: string }>;
  CreatedTime: string;
  UpdatedTime: string;
  /** Not a TAT field: kept for the admin API. */
  Region: string;
  createdAtMs: number;
}

const ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789";

function newInvokerId(): string {
  const bytes = randomBytes(8);
  return `ivk-${Array.from(bytes, (b) => ALPHABET[b % ALPHABET.length]).join("")}`;
}

/** The simulator's invokers, with a running count of duplicates: instances held by 2+ invokers of one command. */
export class InvokerStore {
  private readonly invokers = new Map<string, Invoker>();
  private readonly holders = new Map<string, number>();
  duplicates = 0;

  create(call: CreateInvokerCall, region: string): Invoker {
    let id = newInvokerId();
    while (this.invokers.has(id)) id = newInvokerId();
    const now = Date.now();
    const time = new Date(now).toISOString().replace(/\.\d{3}Z$/, "Z");
    const invoker: Invoker = {
      InvokerId: id,
      Name: call.Name,
      Type: call.Type,
      CommandId: call.CommandId,
      Username: call.Username ?? "root",
      Parameters: call.Parameters ?? "{}",
      InstanceIds: [...call.InstanceIds],
      Enable: true,
      ScheduleSettings: call.ScheduleSettings,
      Tags: call.Tags ?? [],
      CreatedTime: time,
      UpdatedTime: time,
      Region: region,
      createdAtMs: now,
    };
    this.invokers.set(id, invoker);
    for (const instance of new Set(invoker.InstanceIds)) {
      const key = `${invoker.CommandId}/${instance}`;
      const count = (this.holders.get(key) ?? 0) + 1;
      this.holders.set(key, count);
      if (count === 2) this.duplicates++;
    }
    return invoker;
  }

  delete(id: string): boolean {
    const invoker = this.invokers.get(id);
    if (!invoker) return false;
    this.invokers.delete(id);
    for (const instance of new Set(invoker.InstanceIds)) {
      const key = `${invoker.CommandId}/${instance}`;
      const count = (this.holders.get(key) ?? 1) - 1;
      if (count === 1) this.duplicates--;
      if (count <= 0) this.holders.delete(key);
      else this.holders.set(key, count);
    }
    return true;
  }

  /** Enables or disables an invoker; false when there is none. Doing it twice is fine, as at TAT. */
  setEnabled(id: string, enabled: boolean): boolean {
    const invoker = this.invokers.get(id);
    if (!invoker) return false;
    invoker.Enable = enabled;
    invoker.UpdatedTime = new Date().toISOString().replace(/\.\d{3}Z$/, "Z");
    return true;
  }

  get(id: string): Invoker | undefined {
    return this.invokers.get(id);
  }

  /** In no order (the firing loop looks at each). */
  values(): IterableIterator<Invoker> {
    return this.invokers.values();
  }

  /** Newest first, as TAT lists them. */
  all(): Invoker[] {
    return [...this.invokers.values()].sort(
      (a, b) => b.createdAtMs - a.createdAtMs || a.InvokerId.localeCompare(b.InvokerId),
    );
  }

  get size(): number {
    return this.invokers.size;
  }

  clear(): void {
    this.invokers.clear();
    this.holders.clear();
    this.duplicates = 0;
  }
}
