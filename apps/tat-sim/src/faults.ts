import { z } from "zod";
import { AGENT_OVERRIDES, type AgentOverride } from "./agents.js";

/**
 * - internal-error-before: InternalError, nothing created.
 * - internal-error-after: the invoker is created, then InternalError (the ambiguous case).
 * - hang-before / hang-after: no answer ever (the client times out); after: the invoker exists.
 * - bad-gateway: HTTP 502 with an HTML body, nothing created.
 * - non-json: HTTP 200 with a body that is not JSON, nothing created.
 * - slow: the call succeeds after `delayMs` (scripts only).
 * - service-unavailable, request-limit-exceeded: those error answers, nothing created (scripts only).
 * - agents-change-after: the call is answered as usual, then the script's instances' agents become
 *   its `agentStatus` (scripts only): an agent that goes offline between the check and the create.
 */
const FAULT_NAMES = [
  "service-unavailable",
  "request-limit-exceeded",
  "internal-error-before",
  "internal-error-after",
  "hang-before",
  "hang-after",
  "bad-gateway",
  "non-json",
  "slow",
  "agents-change-after",
] as const;
export type FaultName = (typeof FAULT_NAMES)[number];
type ProbabilisticFault = Exclude<
  FaultName,
  "slow" | "service-unavailable" | "request-limit-exceeded" | "agents-change-after"
>;

const probability = z.number().min(0).max(1);

const faultSettingsSchema = z.strictObject({
  arrivalJitterMs: z.number().min(0).max(60_000),
  latencyMs: z.number().min(0).max(600_000),
  latencyJitterMs: z.number().min(0).max(600_000),
  actions: z.array(z.string()),
  probabilities: z.strictObject({
    "internal-error-before": probability,
    "internal-error-after": probability,
    "hang-before": probability,
    "hang-after": probability,
    "bad-gateway": probability,
    "non-json": probability,
  }),
});
export type FaultSettings = z.infer<typeof faultSettingsSchema>;
export const faultSettingsPatchSchema = faultSettingsSchema.partial().extend({
  probabilities: faultSettingsSchema.shape.probabilities.partial().optional(),
});

export const faultScriptSchema = z.strictObject({
  action: z.string().min(1),
  fault: z.enum(FAULT_NAMES),
  count: z.number().int().min(1).default(1),
  delayMs: z.number().min(0).max(600_000).default(0),
  /** agents-change-after: whose agents change, and to what. */
  instanceIds: z.array(z.string()).max(10_000).default([]),
  agentStatus: z.enum(AGENT_OVERRIDES).default("Offline"),
});
export type FaultScript = z.infer<typeof faultScriptSchema>;

/**
 * An outage: every call of every action meets `fault` for `durationMs`. Nothing is done, except
 * with internal-error-after: each call takes effect and still answers InternalError.
 */
export const outageSchema = z.strictObject({
  durationMs: z
    .number()
    .int()
    .min(1)
    .max(24 * 3600_000),
  fault: z
    .enum([
      "internal-error-before",
      "internal-error-after",
      "service-unavailable",
      "bad-gateway",
      "hang-before",
    ])
    .default("internal-error-before"),
});

/** What an outage met: each call's action and when, in ms since the outage began. */
export interface OutageReport {
  fault: FaultName;
  startedAt: number;
  until: number;
  active: boolean;
  calls: Array<{ action: string; atMs: number }>;
}

export interface FaultDecision {
  fault: FaultName | undefined;
  delayMs: number;
  agents?: { instanceIds: string[]; status: AgentOverride };
}

/**
 * An outage first, then scripted faults ("the next N calls of action A get fault F"), then the
 * probabilities.
 */
export class FaultPlan {
  private scripts: FaultScript[] = [];
  private outage: OutageReport | undefined;

  constructor(
    public settings: FaultSettings,
    private readonly random: () => number = Math.random,
  ) {}

  addScript(script: FaultScript): void {
    this.scripts.push({ ...script });
  }

  clearScripts(): void {
    this.scripts = [];
  }

  startOutage(outage: z.infer<typeof outageSchema>, now = Date.now()): OutageReport {
    const started = {
      fault: outage.fault,
      startedAt: now,
      until: now + outage.durationMs,
      active: true,
      calls: [],
    };
    this.outage = started;
    return started;
  }

  /** Ends the outage now (its report stays until the next one or a reset). */
  endOutage(now = Date.now()): void {
    if (this.outage && this.outage.until > now) this.outage.until = now;
  }

  clearOutage(): void {
    this.outage = undefined;
  }

  outageReport(now = Date.now()): OutageReport | undefined {
    return this.outage && { ...this.outage, active: now < this.outage.until };
  }

  patch(patch: z.infer<typeof faultSettingsPatchSchema>): void {
    const { probabilities, ...rest } = patch;
    this.settings = {
      ...this.settings,
      ...rest,
      probabilities: { ...this.settings.probabilities, ...probabilities },
    };
  }

  arrivalDelayMs(): number {
    return this.random() * this.settings.arrivalJitterMs;
  }

  latencyMs(): number {
    return this.settings.latencyMs + this.random() * this.settings.latencyJitterMs;
  }

  decide(action: string, now = Date.now()): FaultDecision {
    if (this.outage && now < this.outage.until) {
      this.outage.calls.push({ action, atMs: now - this.outage.startedAt });
      return { fault: this.outage.fault, delayMs: 0 };
    }
    const script = this.scripts.find((s) => s.action === action);
    if (script) {
      script.count--;
      if (script.count <= 0) this.scripts.splice(this.scripts.indexOf(script), 1);
      return {
        fault: script.fault,
        delayMs: script.delayMs,
        agents: { instanceIds: script.instanceIds, status: script.agentStatus },
      };
    }
    if (!this.settings.actions.includes(action)) return { fault: undefined, delayMs: 0 };
    // One draw across all faults, so their probabilities add up rather than shadow each other.
    let draw = this.random();
    for (const [fault, p] of Object.entries(this.settings.probabilities) as [ProbabilisticFault, number][]) {
      if (draw < p) return { fault, delayMs: 0 };
      draw -= p;
    }
    return { fault: undefined, delayMs: 0 };
  }
}
