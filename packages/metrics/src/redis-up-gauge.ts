import { Gauge, type Registry } from "prom-client";

const PING_TIMEOUT_MS = 1000;

/** `tat_bulk_redis_up`: 1 when Redis answers a PING at scrape time (what /readyz checks), else 0. */
export function redisUpGauge(registry: Registry, ping: () => Promise<unknown>): Gauge {
  return new Gauge({
    name: "tat_bulk_redis_up",
    help: "1 when Redis answered a PING at scrape time, 0 when not (readiness).",
    registers: [registry],
    async collect() {
      const timeout = new Promise((_, reject) =>
        setTimeout(() => reject(new Error("timeout")), PING_TIMEOUT_MS).unref(),
      );
      this.set(
        await Promise.race([ping(), timeout]).then(
          () => 1,
          () => 0,
        ),
      );
    },
  });
}
