import { Gauge } from "prom-client";
import type { ServiceRegistry } from "./service-registry.js";

const PING_TIMEOUT_MS = 1000;

/**
 * `work`, or a rejection after `ms`: a process whose Redis client waits out a restart (commands
 * queue until it is back) must still answer its health checks and scrapes at once.
 */
export function within<T>(work: Promise<T>, ms = PING_TIMEOUT_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/** Whether Redis answers a PING within a second: readiness. */
export const redisAnswers = (ping: () => Promise<unknown>): Promise<boolean> =>
  within(ping()).then(
    () => true,
    () => false,
  );

/** `tat_bulk_redis_up`: 1 when Redis answers a PING at scrape time (what /readyz checks), else 0. */
export function redisUpGauge(registry: ServiceRegistry, ping: () => Promise<unknown>): Gauge {
  return new Gauge({
    name: "tat_bulk_redis_up",
    help: "1 when Redis answered a PING at scrape time, 0 when not (readiness).",
    registers: [registry],
    async collect() {
      this.set((await redisAnswers(ping)) ? 1 : 0);
    },
  });
}

/**
 * `tat_bulk_redis_memory_used_bytes` and `…_max_bytes` (0: no maxmemory), read from Redis (INFO)
 * at scrape time; no sample while Redis does not answer (tat_bulk_redis_up says why).
 */
export function redisMemoryGauges(
  registry: ServiceRegistry,
  read: () => Promise<{ usedBytes: number; maxBytes: number }>,
): void {
  let last: Promise<{ usedBytes: number; maxBytes: number } | undefined> | undefined;
  // One INFO per scrape for both gauges.
  const reading = () => {
    last ??= within(read())
      .catch(() => undefined)
      .finally(() => setTimeout(() => (last = undefined), 100));
    return last;
  };
  for (const [name, help, field] of [
    ["tat_bulk_redis_memory_used_bytes", "Memory Redis uses (INFO used_memory).", "usedBytes"],
    [
      "tat_bulk_redis_memory_max_bytes",
      "Redis's maxmemory (0: none set, Redis grows until the machine runs out).",
      "maxBytes",
    ],
  ] as const) {
    new Gauge({
      name,
      help,
      registers: [registry],
      async collect() {
        const memory = await reading();
        if (memory) this.set(memory[field]);
        else this.reset();
      },
    });
  }
}
