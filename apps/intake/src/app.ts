import type { BatchStore } from "@tat-bulk/batches";
import express from "express";
import type { Redis } from "ioredis";
import type { Logger } from "pino";
import { bearerAuth } from "./bearer-auth.js";
import { errorMiddleware, notFound } from "./error-middleware.js";
import { invokerBatchesRouter } from "./invoker-batches-routes.js";
import type { IntakeMetrics } from "./metrics.js";
import { buildOpenApiDocument } from "./openapi.js";
import { requestContext } from "./request-context.js";

export interface IntakeDeps {
  redis: Redis;
  store: BatchStore;
  metrics: IntakeMetrics;
  logger: Logger;
  apiKeys: readonly string[];
  defaultRegion: string;
  rateLimit: number;
  bodyLimit: string;
  now?: () => Date;
}

export function createApp(deps: IntakeDeps): express.Express {
  const app = express();
  app.disable("x-powered-by");
  app.set("query parser", "simple");
  app.use(requestContext(deps.logger, deps.metrics));
  const openApi = buildOpenApiDocument();

  app.get("/healthz", (_req, res) => {
    res.json({ status: "ok" });
  });
  app.get("/readyz", async (_req, res) => {
    const ok = await deps.redis
      .ping()
      .then(() => true)
      .catch(() => false);
    res.status(ok ? 200 : 503).json({ status: ok ? "ready" : "redis unreachable" });
  });
  app.get("/metrics", async (_req, res) => {
    res.type(deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics());
  });
  app.get("/openapi.json", (_req, res) => {
    res.json(openApi);
  });

  const v1 = express.Router();
  v1.use(bearerAuth(deps.apiKeys));
  // Auth first: an unauthenticated caller's body is never read.
  v1.use(express.json({ limit: deps.bodyLimit, strict: false, type: () => true }));
  v1.use(
    invokerBatchesRouter({
      store: deps.store,
      metrics: deps.metrics,
      defaultRegion: deps.defaultRegion,
      rateLimit: deps.rateLimit,
      ...(deps.now ? { now: deps.now } : {}),
    }),
  );
  app.use("/v1", v1);
  app.use(notFound);
  app.use(errorMiddleware);
  return app;
}
