import type { FailedInstance } from "@tat-bulk/batches";
import { AGENT_CHECK_ACTION, AGENT_NOT_REPORTED, classifyError } from "@tat-bulk/tat-api";
import type { RateLimitedTat } from "./rate-limited-tat.js";
import type { WorkerMetrics } from "./worker-metrics.js";

export type CheckResult =
  /** Online instances go on; the others are set aside with why. */
  | { kind: "checked"; online: string[]; setAside: FailedInstance[] }
  /** The check itself is refused for good (a sub-account not allowed to call it): go on without it. */
  | { kind: "unavailable"; code: string }
  /** Try again later (after a penalty when rate-limited; costing nothing during an outage). */
  | { kind: "retry"; code: string; rateLimited: boolean; outage: boolean; at: number };

interface AgentStatusAnswer {
  AutomationAgentSet: Array<{ InstanceId: string; AgentStatus: string }>;
}

/**
 * Checks instances' agents with DescribeAutomationAgentStatus (at most 100 per call, on that
 * action's own budget). What TAT does when a call names an instance that does not exist is not
 * documented: it may leave it out (then it is set aside as not reported) or fail the whole call
 * naming none (then the call is split in halves until the culprits stand alone).
 */
export function checkAgents(
  tat: RateLimitedTat,
  region: string,
  instanceIds: string[],
): Promise<CheckResult> {
  return tat.tracing.span("agent-check", { "tat_bulk.instances": instanceIds.length }, async (span) => {
    const result = await askAgents(tat, region, instanceIds);
    span.setAttributes({
      "tat_bulk.agent_check": result.kind,
      ...(result.kind === "checked" ? { "tat_bulk.set_aside": result.setAside.length } : {}),
    });
    return result;
  });
}

/** A chunk part's agent check (before its first call, or again after a per-instance failure), counted. */
export async function checkPartAgents(
  tat: RateLimitedTat,
  metrics: Pick<WorkerMetrics, "agentChecks">,
  region: string,
  instanceIds: string[],
): Promise<CheckResult> {
  const result = await checkAgents(tat, region, instanceIds);
  metrics.agentChecks.inc({ outcome: result.kind });
  return result;
}

async function askAgents(tat: RateLimitedTat, region: string, instanceIds: string[]): Promise<CheckResult> {
  const answer = await tat.call<AgentStatusAnswer>(AGENT_CHECK_ACTION, region, {
    InstanceIds: instanceIds,
    Limit: 100,
  });
  if (answer.ok) {
    const status = new Map(answer.response.AutomationAgentSet.map((a) => [a.InstanceId, a.AgentStatus]));
    const online: string[] = [];
    const setAside: FailedInstance[] = [];
    for (const id of instanceIds) {
      const agent = status.get(id);
      if (agent === "Online") online.push(id);
      else if (agent === undefined) {
        setAside.push({
          instanceId: id,
          code: AGENT_NOT_REPORTED,
          message: "The agent check reported no agent: none is installed, or the instance does not exist",
        });
      } else {
        setAside.push({
          instanceId: id,
          code: "ResourceUnavailable.AgentStatusNotOnline",
          message: `The agent check found the agent ${agent}`,
        });
      }
    }
    return { kind: "checked", online, setAside };
  }
  const { disposition } = classifyError(answer.code);
  if (disposition === "instance") {
    if (instanceIds.length === 1) {
      const [id = ""] = instanceIds;
      return {
        kind: "checked",
        online: [],
        setAside: [{ instanceId: id, code: answer.code, message: answer.message }],
      };
    }
    return checkHalves(tat, region, instanceIds);
  }
  if (disposition === "final") return { kind: "unavailable", code: answer.code };
  return {
    kind: "retry",
    code: answer.code,
    rateLimited: disposition === "rate-limited",
    outage: answer.outage,
    at: answer.at,
  };
}

async function checkHalves(tat: RateLimitedTat, region: string, instanceIds: string[]): Promise<CheckResult> {
  const middle = Math.ceil(instanceIds.length / 2);
  const merged: CheckResult & { kind: "checked" } = { kind: "checked", online: [], setAside: [] };
  for (const half of [instanceIds.slice(0, middle), instanceIds.slice(middle)]) {
    const result = await checkAgents(tat, region, half);
    if (result.kind !== "checked") return result;
    merged.online.push(...result.online);
    merged.setAside.push(...result.setAside);
  }
  return merged;
}
