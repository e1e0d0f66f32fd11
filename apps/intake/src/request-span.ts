import type { Tracing } from "@tat-bulk/tracing";
import type { RequestHandler } from "express";

/**
 * Each API request in a server span, active while its handlers run (so a batch written by it
 * stores it as its trace's root) and ended when the answer is sent, named after the matched route.
 * The request ID, the answer's status and a refusal's code (a validation's, say) go on it. The
 * validation and the batch's write have no spans of their own: each would add a span's cost (tens
 * of microseconds) to every small submit.
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
            // A refusal (validation included) says its TAT-style code; a 5xx fails the span.
            const code: unknown = res.locals.errorCode;
            if (typeof code === "string") span.setAttributes({ "tat_bulk.error_code": code });
            if (res.statusCode >= 500) span.fail(typeof code === "string" ? code : String(res.statusCode));
            resolve();
          });
          next();
        }),
      { kind: "server" },
    );
  };
}
