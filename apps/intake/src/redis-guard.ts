import type { RedisMemory } from "@tat-bulk/redis";
import type { RequestHandler } from "express";
import type { Logger } from "pino";
import { type ApiError, apiError } from "./api-error.js";

/** How often Redis is read (INFO: cheap, and not once per request). */
const READ_EVERY_MS = 1000;
/** What a refused caller is told to wait: finished batches expire, a replica comes back. */
const RETRY_AFTER_S = 30;

export interface RedisGuardSettings {
  /** Share of maxmemory from which new work is refused. */
  watermark: number;
  allowEviction: boolean;
  /** Replicas a batch must reach (0: none asked). */
  minReplicas: number;
}

export interface RedisReading {
  memory: RedisMemory;
  replicas: number;
}

/**
 * Refuses new work (submits, retries, reruns) before it is written, while Redis could not keep it
 * as promised: above the watermark of its maxmemory (so that Redis itself never refuses a write
 * halfway through a batch), evicting keys against REDIS_ALLOW_EVICTION (its policy changed after
 * start), or with fewer replicas connected than INTAKE_MIN_REPLICAS (a WAIT would time out).
 * Reads, cancels and purges go on: they free memory. The reading is at most a second old, which
 * the watermark's headroom covers.
 */
export class RedisGuard {
  private last: RedisReading | undefined;
  private timer: NodeJS.Timeout | undefined;
  private said: string | undefined;

  constructor(
    private readonly read: () => Promise<RedisReading>,
    private readonly settings: RedisGuardSettings,
    private readonly logger: Logger,
  ) {}

  start(): void {
    const tick = () => {
      this.read().then(
        (reading) => {
          this.last = reading;
          const refusal = this.refusal()?.message;
          if (refusal && refusal !== this.said)
            this.logger.error({ ...reading.memory, replicas: reading.replicas }, refusal);
          if (!refusal && this.said) this.logger.info("Redis can take new work again");
          this.said = refusal;
        },
        () => undefined,
      );
    };
    tick();
    this.timer = setInterval(tick, READ_EVERY_MS);
    this.timer.unref();
  }

  /** Why new work is refused now, or undefined. */
  refusal(): ApiError | undefined {
    const reading = this.last;
    if (!reading) return undefined;
    const { memory: m, replicas } = reading;
    const retry = { "Retry-After": String(RETRY_AFTER_S) };
    if (m.policy !== "noeviction" && !this.settings.allowEviction) {
      return apiError(
        "ResourceInsufficient.Memory",
        `Redis evicts keys (maxmemory-policy ${m.policy}): new work is refused until it is noeviction`,
        retry,
      );
    }
    if (m.maxBytes > 0 && m.usedBytes >= this.settings.watermark * m.maxBytes) {
      const percent = Math.round((100 * m.usedBytes) / m.maxBytes);
      return apiError(
        "ResourceInsufficient.Memory",
        `Redis is at ${percent}% of its maxmemory (new work is refused from ${Math.round(100 * this.settings.watermark)}%): finished batches must expire, or Redis needs more memory`,
        retry,
      );
    }
    if (replicas < this.settings.minReplicas) {
      return apiError(
        "ResourceUnavailable.Replica",
        `Redis has ${replicas} replica(s) connected and a batch must reach ${this.settings.minReplicas}`,
        retry,
      );
    }
    return undefined;
  }

  /** Middleware for the routes that write new work. */
  gate(): RequestHandler {
    return (_req, _res, next) => {
      next(this.refusal());
    };
  }

  close(): void {
    clearInterval(this.timer);
  }
}
