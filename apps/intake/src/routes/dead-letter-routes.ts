import { DEAD_LETTER_QUEUES, type DeadLetterQueue, type DeadLetters } from "@tat-bulk/batches";
import type { AuditTrail } from "@tat-bulk/callers";
import { Router } from "express";
import { apiError } from "../api-error.js";
import { auditIntent } from "../audit/audit-requests.js";
import { requireScope } from "../callers/caller-guards.js";
import type { IntakeMetrics } from "../metrics.js";
import { intParam } from "./route-params.js";

const isQueue = (value: unknown): value is DeadLetterQueue =>
  typeof value === "string" && (DEAD_LETTER_QUEUES as readonly string[]).includes(value);

/**
 * GET /admin/dead-letters: jobs a worker parked after WORKER_JOB_MAX_ERRORS unforeseen errors in a
 * row, newest first; POST /admin/dead-letters/{queue}/{jobId}/retry sends one again (audited).
 */
export function deadLetterRouter(
  deadLetters: DeadLetters,
  audit: AuditTrail,
  metrics: IntakeMetrics,
): Router {
  const router = Router();
  router.get("/admin/dead-letters", requireScope("admin", metrics), async (req, res) => {
    const limit = intParam(req, "limit", 100, 1, 1000);
    res.json({ DeadLetters: await deadLetters.list(limit), RequestId: req.id });
  });
  router.post(
    "/admin/dead-letters/:queue/:jobId/retry",
    requireScope("admin", metrics),
    auditIntent(audit, "dead-letter-retry", (req) => ({
      Queue: String(req.params.queue).slice(0, 16),
      JobId: String(req.params.jobId).slice(0, 80),
    })),
    async (req, res) => {
      const { queue, jobId } = req.params;
      if (!isQueue(queue))
        throw apiError("InvalidParameterValue", `queue must be one of ${DEAD_LETTER_QUEUES.join(", ")}`);
      if ((await deadLetters.retry(queue, String(jobId))) === "not-found")
        throw apiError("ResourceNotFound.DeadLetter", `no parked job ${String(jobId)} in ${queue}`);
      res.json({ Queue: queue, JobId: jobId, Retried: true, RequestId: req.id });
    },
  );
  return router;
}
