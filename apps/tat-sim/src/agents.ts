import type { AgentStatus, World } from "./world.js";

export interface UnhealthyRates {
  /** Share of the open world's instances whose agent is offline. */
  offline: number;
  /** Share of the open world's instances that do not exist. */
  missing: number;
}

/** What an agent can be made at run time: `Missing` (the instance is gone), `Vanished` (gone, but its
 * agent's last heartbeat still reports it Online: found only by CreateInvoker). */
export const AGENT_OVERRIDES = ["Online", "Offline", "NotInstalled", "Missing", "Vanished"] as const;
export type AgentOverride = (typeof AGENT_OVERRIDES)[number];

/** A fraction in [0, 1) from an ID: FNV-1a, salted, so that "offline" and "missing" pick independently. */
export function hashFraction(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  return (hash >>> 0) / 2 ** 32;
}

/**
 * The simulator's agents: the world's, with a deterministic unhealthy share of the open world picked
 * by a hash of each ID (the same instances on every run and in every process), and overrides set at
 * run time (admin API, scripted faults).
 */
export class Agents {
  private readonly overrides = new Map<string, AgentOverride>();

  constructor(
    private readonly world: World,
    private readonly rates: UnhealthyRates,
  ) {}

  /** The agent CreateInvoker sees; undefined when the instance does not exist. */
  status(id: string): AgentStatus | undefined {
    const override = this.overrides.get(id);
    if (override === "Missing" || override === "Vanished") return undefined;
    if (override) return override;
    return this.fromWorld(id);
  }

  /** What DescribeAutomationAgentStatus reports; undefined when it knows no such instance. */
  reported(id: string): AgentStatus | undefined {
    return this.overrides.get(id) === "Vanished" ? "Online" : this.status(id);
  }

  override(instanceIds: readonly string[], status: AgentOverride): void {
    for (const id of instanceIds) this.overrides.set(id, status);
  }

  clear(): void {
    this.overrides.clear();
  }

  private fromWorld(id: string): AgentStatus | undefined {
    const status = this.world.agent(id);
    if (status === undefined || !this.world.open) return status;
    if (hashFraction(`${id}:missing`) < this.rates.missing) return undefined;
    return hashFraction(`${id}:offline`) < this.rates.offline ? "Offline" : status;
  }
}
