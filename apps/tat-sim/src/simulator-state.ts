import { createServiceRegistry, metricFactory, type ServiceRegistry } from "@tat-bulk/metrics";
import type { Logger } from "pino";
import type { Counter } from "prom-client";
import { Agents } from "./agents.js";
import type { SimConfig } from "./env.js";
import { FaultPlan } from "./faults.js";
import { InvocationStore } from "./invocation-store.js";
import { InvokerFiring } from "./invoker-firing.js";
import { InvokerStore } from "./invoker-store.js";
import { RateLimiter } from "./rate-limiter.js";
import { SimStats } from "./sim-stats.js";
import type { TaskSettings } from "./task-planner.js";
import { loadWorld, type World } from "./world.js";

/** Everything the simulator holds; the API and the admin routes both work on it. */
export interface SimulatorState {
  config: SimConfig;
  logger: Logger;
  world: World;
  agents: Agents;
  invokers: InvokerStore;
  invocations: InvocationStore;
  tasks: TaskSettings;
  /** Fires the invokers when their times come (started with the server). */
  firing: InvokerFiring;
  rate: RateLimiter;
  faults: FaultPlan;
  stats: SimStats;
  registry: ServiceRegistry;
  requests: Counter<"action" | "code">;
}

export function createSimulatorState(config: SimConfig, logger: Logger, world?: World): SimulatorState {
  const registry = createServiceRegistry();
  const invokers = new InvokerStore();
  const metric = metricFactory(registry);
  metric.gauge("tat_sim_invokers", "Invokers the simulator holds.", [], function collect() {
    this.set(invokers.size);
  });
  metric.gauge(
    "tat_sim_duplicate_instances",
    "Instance IDs held by more than one invoker of the same command.",
    [],
    function collect() {
      this.set(invokers.duplicates);
    },
  );
  const theWorld = world ?? loadWorld(config.TAT_SIM_WORLD);
  const agents = new Agents(theWorld, {
    offline: config.TAT_SIM_OFFLINE_RATE,
    missing: config.TAT_SIM_MISSING_RATE,
  });
  const invocations = new InvocationStore();
  const tasks: TaskSettings = {
    failRate: config.TAT_SIM_TASK_FAIL_RATE,
    timeoutRate: config.TAT_SIM_TASK_TIMEOUT_RATE,
    durationMs: config.TAT_SIM_TASK_DURATION_MS,
    durationJitterMs: config.TAT_SIM_TASK_DURATION_JITTER_MS,
    timeoutMs: config.TAT_SIM_TASK_TIMEOUT_MS,
    largeOutputRate: config.TAT_SIM_TASK_LARGE_OUTPUT_RATE,
  };
  return {
    config,
    logger,
    world: theWorld,
    agents,
    invokers,
    invocations,
    tasks,
    firing: new InvokerFiring({
      invokers,
      invocations,
      agents,
      tasks,
      recordDelayMs: config.TAT_SIM_RECORD_DELAY_MS,
    }),
    rate: new RateLimiter(config.TAT_SIM_RATE_LIMIT, config.TAT_SIM_RATE_WINDOW, config.TAT_SIM_RATE_LIMITS),
    faults: new FaultPlan({
      arrivalJitterMs: config.TAT_SIM_ARRIVAL_JITTER_MS,
      latencyMs: config.TAT_SIM_LATENCY_MS,
      latencyJitterMs: config.TAT_SIM_LATENCY_JITTER_MS,
      actions: config.TAT_SIM_FAULT_ACTIONS,
      probabilities: {
        "internal-error-before": config.TAT_SIM_P_INTERNAL_ERROR_BEFORE,
        "internal-error-after": config.TAT_SIM_P_INTERNAL_ERROR_AFTER,
        "hang-before": config.TAT_SIM_P_HANG_BEFORE,
        "hang-after": config.TAT_SIM_P_HANG_AFTER,
        "bad-gateway": config.TAT_SIM_P_BAD_GATEWAY,
        "non-json": config.TAT_SIM_P_NON_JSON,
      },
    }),
    stats: new SimStats(),
    registry,
    requests: metric.counter(
      "tat_sim_requests_total",
      "API calls answered by the simulator, by action and answer code.",
      ["action", "code"],
    ),
  };
}
