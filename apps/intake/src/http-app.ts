import type { DeadLetters } from "@tat-bulk/batches";
import type { AuditTally, AuditTrail, CallerRegistry } from "@tat-bulk/callers";
import { HEALTH_PATHS, type HealthOptions, serveHealth } from "@tat-bulk/metrics";
import type { SharedRateLimiter } from "@tat-bulk/rate-limit";
import type { Tracing } from "@tat-bulk/tracing";
import express from "express";
import type { Logger } from "pino";
import { auditRequests } from "./audit/audit-requests.js";
import { authenticate } from "./callers/caller-auth.js";
import type { QuotaDeps } from "./callers/caller-quota.js";
import { callerRateLimit } from "./callers/caller-rate-limit.js";
import type { SourceGuard } from "./callers/source-guard.js";
import { consoleRouter } from "./console-route.js";
import { errorMiddleware, notFound } from "./error-middleware.js";
import type { IntakeMetrics } from "./metrics.js";
import { buildOpenApiDocument } from "./openapi/document.js";
import { requestContext } from "./request-context.js";
import { requestSpan } from "./request-span.js";
import { auditRouter } from "./routes/audit-routes.js";
import { deadLetterRouter } from "./routes/dead-letter-routes.js";
import { type BatchServices, invokerBatchesRouter } from "./routes/index.js";

export interface HttpAppDeps {
  batches: BatchServices;
  metrics: IntakeMetrics;
  health: HealthOptions;
  logger: Logger;
  registry: CallerRegistry;
  audit: AuditTrail;
  /** Jobs the workers parked (admin). */
  deadLetters: DeadLetters;
  /** Reads, refused keys and 429s, counted and written once a minute. */
  tally: AuditTally;
  /** Refused keys per source: past the limit, 429 before the key is looked at. */
  guard: SourceGuard;
  /** Per-caller request rate, shared through Redis. */
  callerLimit: { limiter: SharedRateLimiter; namespace: string; perSecond: number };
  quota: QuotaDeps;
  /** Refuses new work while Redis could not keep it as promised (RedisGuard). */
  memoryGate: express.RequestHandler;
  defaultRegion: string;
  webhookHosts: readonly string[];
  bodyLimit: string;
  /** Where the console's built files are. */
  consoleDir: string;
  /** The console's link from a batch to its trace (`{traceId}` replaced). */
  consoleTraceUrl: string | undefined;
  tracing: Tracing;
  now: () => Date;
}

/** The intake's HTTP surface: health and metrics, the OpenAPI document, and the authenticated /v1 API. */
export function createHttpApp(deps: HttpAppDeps): express.Express {
  const app = express();
  app.disable("x-powered-by");
  app.set("query parser", "simple");
  app.use(requestContext(deps.logger, deps.metrics));
  for (const path of HEALTH_PATHS) {
    app.get(path, (req, res) => {
      serveHealth(deps.health, req, res);
    });
  }
  const openApi = buildOpenApiDocument();
  app.get("/openapi.json", (_req, res) => {
    res.json(openApi);
  });

  app.use("/console", consoleRouter(deps.consoleDir, { traceUrl: deps.consoleTraceUrl ?? null }));

  const v1 = express.Router();
  v1.use(requestSpan(deps.tracing));
  v1.use(auditRequests(deps));
  v1.use(authenticate(deps));
  const { limiter, namespace, perSecond } = deps.callerLimit;
  v1.use(callerRateLimit(limiter, namespace, perSecond, deps.metrics));
  // Auth first: an unauthenticated caller's body is never read.
  v1.use(express.json({ limit: deps.bodyLimit, strict: false, type: () => true }));
  v1.use(
    invokerBatchesRouter({
      batches: deps.batches,
      audit: deps.audit,
      metrics: deps.metrics,
      quota: deps.quota,
      memoryGate: deps.memoryGate,
      defaultRegion: deps.defaultRegion,
      webhookHosts: deps.webhookHosts,
      now: deps.now,
      tracing: deps.tracing,
    }),
    auditRouter(deps.audit, deps.metrics),
    deadLetterRouter(deps.deadLetters, deps.audit, deps.metrics),
  );
  app.use("/v1", v1);
  app.use(notFound);
  app.use(errorMiddleware);
  return app;
}
