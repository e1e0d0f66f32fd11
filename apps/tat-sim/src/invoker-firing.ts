import { nextFiring } from "@tat-bulk/tat-api";
import type { Agents } from "./agents.js";
import { type InvocationStore, newId } from "./invocation-store.js";
import type { InvokerStore } from "./invoker-store.js";
import { planTasks, type TaskSettings } from "./task-planner.js";

export interface FiringDeps {
  invokers: InvokerStore;
  invocations: InvocationStore;
  agents: Agents;
  tasks: TaskSettings;
  /** How long after a firing its record shows in DescribeInvokerRecords. */
  recordDelayMs: number;
}

/** How often the simulator looks for invokers due to fire. */
const TICK_MS = 200;

/**
 * Invokers fire by themselves, as on TAT: a ONCE invoker at its InvokeTime, a RECURRENCE one at each
 * time its crontab names in Beijing time; a disabled one lets its times pass, a deleted one is gone.
 * A firing is an invocation of the invoker's command on its instances, and a record of it that shows
 * a moment later. A simulator that was held up fires once for the latest time it missed.
 */
export class InvokerFiring {
  private readonly nextAt = new Map<string, number | null>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly deps: FiringDeps) {}

  start(): void {
    this.timer = setInterval(() => this.tick(), TICK_MS);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  clear(): void {
    this.nextAt.clear();
  }

  tick(now = Date.now()): void {
    const seen = new Set<string>();
    for (const invoker of this.deps.invokers.values()) {
      seen.add(invoker.InvokerId);
      let at = this.nextAt.get(invoker.InvokerId);
      if (at === undefined) at = nextFiring(invoker.ScheduleSettings, invoker.createdAtMs) ?? null;
      let due: number | undefined;
      while (at !== null && at <= now) {
        due = at;
        at = nextFiring(invoker.ScheduleSettings, at) ?? null;
      }
      this.nextAt.set(invoker.InvokerId, at);
      if (due !== undefined && invoker.Enable) this.fire(invoker.InvokerId, now);
    }
    for (const id of this.nextAt.keys()) if (!seen.has(id)) this.nextAt.delete(id);
  }

  private fire(invokerId: string, now: number): void {
    const invoker = this.deps.invokers.get(invokerId);
    if (!invoker) return;
    const invocationId = newId("inv");
    this.deps.invocations.add({
      InvocationId: invocationId,
      CommandId: invoker.CommandId,
      Parameters: invoker.Parameters,
      Username: invoker.Username,
      InvocationSource: "INVOKER",
      invokerId,
      createdAt: now,
      tasks: planTasks(invocationId, invoker.InstanceIds, this.deps.agents, this.deps.tasks, now),
    });
    this.deps.invocations.addRecord({
      InvokerId: invokerId,
      InvocationId: invocationId,
      firedAt: now,
      visibleAt: now + this.deps.recordDelayMs,
    });
  }
}
