import { randomUUID } from "node:crypto";
import type { RequestHandler } from "express";
import type { Logger } from "pino";
import type { IntakeMetrics } from "./metrics.js";

declare global {
  namespace Express {
    interface Request {
      id: string;
      log: Logger;
    }
  }
}

/** Gives each request an ID (echoed as `X-Request-Id` and in every error body), a child logger, and its duration metric. */
export function requestContext(logger: Logger, metrics: IntakeMetrics): RequestHandler {
  return (req, res, next) => {
    req.id = randomUUID();
    req.log = logger.child({ requestId: req.id });
    res.setHeader("X-Request-Id", req.id);
    const started = process.hrtime.bigint();
    res.on("finish", () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      // The matched route pattern, not the path: label values stay a bounded set.
      const route = req.route?.path ? `${req.baseUrl}${String(req.route.path)}` : "unmatched";
      metrics.httpDuration.observe({ method: req.method, route, status: String(res.statusCode) }, seconds);
      req.log.info(
        { method: req.method, route, status: res.statusCode, ms: Math.round(seconds * 1000) },
        "request",
      );
    });
    next();
  };
}
