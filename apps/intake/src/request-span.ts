import type { Tracing } from "@tat-bulk/tracing";
import type { RequestHandler } from "express";

/**
 * Each API request in a server span, active while its handlers run (so a batch written by it
 * stores it as its trace's root) and ended when the answer is sent, named after the matched route.
 * The request ID and the answer's status go on it.
 */
export function requestSpan(tracing: Tracing): RequestHandler {
  if (!tracing.enabled) return (_req, _res, next) => next();
  return (req, res, next) => {
    void tracing.span(
      `${req.method} ${req.baseUrl}`,
      { "http.request.method": req.method, "tat_bulk.request_id": req.id },
      (span) =>
        new Promise<void>((resolve) => {
          res.on("close", () => {
            const route = req.route?.path ? `${req.baseUrl}${String(req.route.path)}` : req.baseUrl;
            span.rename(`${req.method} ${route}`);
            span.setAttributes({ "http.route": route, "http.response.status_code": res.statusCode });
            if (res.statusCode >= 500) span.fail(String(res.statusCode));
            resolve();
          });
          next();
        }),
      { kind: "server" },
    );
  };
}
