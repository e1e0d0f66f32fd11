import { Gauge, type Registry } from "prom-client";

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
export function redisUpGauge(registry: Registry, ping: () => Promise<unknown>): Gauge {
  return new Gauge({
    name: "tat_bulk_redis_up",
    help: "1 when Redis answered a PING at scrape time, 0 when not (readiness).",
    registers: [registry],
    async collect() {
      this.set((await redisAnswers(ping)) ? 1 : 0);
    },
  });
}
