import type { BatchSummary } from "@tat-bulk/batches";
import { EVENT_ID_HEADER, isAllowedCallback, SIGNATURE_HEADER, signatureHeader } from "@tat-bulk/webhooks";

/** A delivery as queued: where, the exact body (the same on every try), and its event. */
export interface WebhookJobData {
  url: string;
  eventId: string;
  body: string;
}

/** The event a batch's webhook carries: how the batch stood when it was recorded. */
export function webhookBody(eventId: string, kind: "finished" | "invokers", summary: BatchSummary): string {
  return JSON.stringify({
    EventId: eventId,
    Type: kind === "finished" ? "batch.finished" : "batch.invokers.updated",
    BatchId: summary.BatchId,
    Status: summary.Status,
    Counts: summary.Counts,
    Instances: summary.Instances,
    Invokers: summary.Invokers,
    InvokerAction: summary.InvokerAction,
    StopReason: summary.StopReason,
    FinishedAt: summary.FinishedAt,
  });
}

export type DeliveryResult = "delivered" | "refused" | { failed: string };

/**
 * One POST: signed, with a timeout, never following a redirect (a 3xx is a failure), and only to a
 * host the allow-list still names (it may have changed since the batch was accepted).
 */
export async function deliver(
  job: WebhookJobData,
  options: { secret: string; allowedHosts: readonly string[]; timeoutMs: number },
): Promise<DeliveryResult> {
  if (!isAllowedCallback(job.url, options.allowedHosts)) return "refused";
  try {
    const res = await fetch(job.url, {
      method: "POST",
      redirect: "manual",
      signal: AbortSignal.timeout(options.timeoutMs),
      headers: {
        "content-type": "application/json",
        [SIGNATURE_HEADER]: signatureHeader(options.secret, job.body),
        [EVENT_ID_HEADER]: job.eventId,
      },
      body: job.body,
    });
    await res.body?.cancel();
    return res.status >= 200 && res.status < 300 ? "delivered" : { failed: `HTTP ${res.status}` };
  } catch (error) {
    return { failed: error instanceof Error ? error.name : "NetworkError" };
  }
}
