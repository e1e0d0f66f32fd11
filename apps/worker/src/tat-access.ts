import { CircuitBreakers, RATE_LIMIT_KEY_PREFIX, SharedRateLimiter } from "@tat-bulk/rate-limit";
import type { RedisClient } from "@tat-bulk/redis";
import { DEFAULT_ACCOUNT } from "@tat-bulk/tat-api";
import { checkSendHold, parseEndpoint, type SendHoldCheck, TatClient } from "@tat-bulk/tat-client";
import { TRACING_OFF, type Tracing } from "@tat-bulk/tracing";
import type { Logger } from "pino";
import { AdaptiveMargin } from "./adaptive-margin.js";
import type { WorkerConfig } from "./env.js";
import { RateLimitedTat } from "./rate-limited-tat.js";
import type { TatAccount } from "./tat-accounts.js";
import type { WorkerMetrics } from "./worker-metrics.js";

/** Where a batch's calls go: its account, and the endpoint its Region maps to. */
export interface TatRoute {
  account: TatAccount;
  endpoint: string;
  /** endpoint host|account: with an action, one budget as Tencent Cloud counts it. */
  budget: string;
}

/**
 * Every TAT account and endpoint a worker calls, each (account, endpoint) pair behind the shared
 * rate limits and circuit breakers of its own budget. Clients are made on first use and kept.
 */
export class TatRouter {
  private readonly accounts: ReadonlyMap<string, TatAccount>;
  private readonly routes = new Map<string, { route: TatRoute; tat: RateLimitedTat; client: TatClient }>();
  private readonly limiter: SharedRateLimiter;
  private readonly breakers: CircuitBreakers;
  private readonly margin: AdaptiveMargin;
  /** Whether a call is handed to the SDK before its slot and held (see checkSendHold). */
  private holdSends = true;

  constructor(
    private readonly config: WorkerConfig,
    redis: RedisClient,
    private readonly metrics: WorkerMetrics,
    private readonly logger: Logger,
    private readonly tracing: Tracing = TRACING_OFF,
  ) {
    this.accounts = new Map(config.accounts.map((a) => [a.name, a]));
    this.margin = new AdaptiveMargin({
      networkJitterMs: config.TAT_RATE_MARGIN_MS,
    });
    this.limiter = new SharedRateLimiter({
      redis,
      keyPrefix: RATE_LIMIT_KEY_PREFIX,
      limit: config.TAT_RATE_LIMIT,
      windowMs: config.TAT_RATE_MARGIN_ADAPTIVE
        ? () => 1000 + this.margin.marginMs()
        : 1000 + config.TAT_RATE_MARGIN_MS,
      penaltyMs: config.TAT_RATE_PENALTY_MS,
    });
    this.breakers = new CircuitBreakers(redis, {
      consecutive: config.TAT_BREAKER_CONSECUTIVE,
      failures: config.TAT_BREAKER_FAILURES,
      window: config.TAT_BREAKER_WINDOW,
      firstProbeMs: config.TAT_BREAKER_PROBE_MS,
      probeCapMs: config.TAT_BREAKER_PROBE_MAX_MS,
      // A probe whose worker died mid-call gives way once its call would have timed out.
      probeLeaseMs: config.TAT_TIMEOUT_MS + 1000,
    });
  }

  /** The account names batches may use, with each one's CreateInvoker rate. */
  accountRates(): Map<string, number> {
    return new Map([...this.accounts.values()].map((a) => [a.name, this.limitOf(a, "CreateInvoker")]));
  }

  /** The route of a batch's calls; undefined when the account is not configured here. */
  route(accountName: string | undefined, region: string): TatRoute | undefined {
    const account = this.accounts.get(accountName ?? DEFAULT_ACCOUNT);
    if (!account) return undefined;
    const { TAT_ENDPOINT_MODE, TAT_REGIONAL_ENDPOINTS, TAT_REGIONAL_ENDPOINT, TAT_ENDPOINT } = this.config;
    const endpoint =
      TAT_ENDPOINT_MODE === "regional"
        ? (TAT_REGIONAL_ENDPOINTS.get(region) ?? TAT_REGIONAL_ENDPOINT.replaceAll("{region}", region))
        : (account.endpoint ?? TAT_ENDPOINT);
    return { account, endpoint, budget: `${parseEndpoint(endpoint).host}|${account.budgetLabel}` };
  }

  /** The rate-limited client of a batch's account and region; undefined for an unknown account. */
  for(accountName: string | undefined, region: string): RateLimitedTat | undefined {
    const route = this.route(accountName, region);
    if (!route) return undefined;
    const key = `${route.account.name}|${route.endpoint}`;
    const known = this.routes.get(key);
    if (known) return known.tat;
    const { account } = route;
    const client = new TatClient({
      endpoint: route.endpoint,
      secretId: account.secretId,
      secretKey: account.secretKey,
      timeoutMs: this.config.TAT_TIMEOUT_MS,
      ...(account.sessionToken ? { sessionToken: account.sessionToken } : {}),
    });
    const tat = new RateLimitedTat({
      client,
      limiter: this.limiter,
      breakers: this.breakers,
      margin: this.margin,
      metrics: this.metrics,
      logger: this.logger.child({ account: account.name }),
      group: route.budget,
      limitOf: (action) => this.limitOf(account, action),
      holdSends: () => this.holdSends,
      tracing: this.tracing,
      account: account.name,
      endpoint: route.endpoint,
    });
    this.routes.set(key, { route, tat, client });
    return tat;
  }

  private limitOf(account: TatAccount, action: string): number {
    return (
      account.rateLimits.get(action) ?? this.config.TAT_RATE_LIMITS.get(action) ?? this.config.TAT_RATE_LIMIT
    );
  }

  /**
   * Proves at start that a held call leaves only at its slot with this SDK and Node; if not, each
   * call is handed to the SDK at its slot instead (its preparation then makes it a little late).
   */
  async checkSendHold(): Promise<SendHoldCheck> {
    const check = await checkSendHold();
    this.holdSends = check.works;
    this.metrics.sendHold.set(check.works ? 1 : 0);
    if (!check.works)
      this.logger.error(
        { reason: check.reason },
        "send-time hold does not work with this SDK: each call is sent at its slot instead",
      );
    return check;
  }

  /** The limiter's margin now (ms). */
  marginMs(): number {
    return this.config.TAT_RATE_MARGIN_ADAPTIVE ? this.margin.marginMs() : this.config.TAT_RATE_MARGIN_MS;
  }

  /** Waiters for a slot or for TAT to come back give up at once (their jobs go back); calls already sent finish. */
  stopWaiting(): void {
    this.limiter.close();
    this.breakers.close();
  }

  close(): void {
    for (const { client } of this.routes.values()) client.close();
  }
}
