import { type LookupAddress, lookup } from "node:dns";
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import type { LookupFunction } from "node:net";
import type { BatchSummary } from "@tat-bulk/batches";
import type { RunSummary } from "@tat-bulk/runs";
import {
  EVENT_ID_HEADER,
  isAllowedCallback,
  isForbiddenAddress,
  SIGNATURE_HEADER,
  signatureHeader,
} from "@tat-bulk/webhooks";

/** A delivery as queued: where, the exact body (the same on every try), its event and its caller. */
export interface WebhookJobData {
  url: string;
  eventId: string;
  body: string;
  /** Whose batch it is: its secret signs the delivery (deliveries queued before callers had none). */
  caller?: string | null;
}

/** The event a batch's webhook carries: how the batch stood when it was recorded, and whose it is. */
export function webhookBody(
  eventId: string,
  kind: "finished" | "invokers" | "run",
  summary: BatchSummary,
): string {
  return JSON.stringify({
    EventId: eventId,
    Type: kind === "finished" ? "batch.finished" : "batch.invokers.updated",
    BatchId: summary.BatchId,
    Caller: summary.Caller,
    Status: summary.Status,
    Counts: summary.Counts,
    Instances: summary.Instances,
    Invokers: summary.Invokers,
    InvokerAction: summary.InvokerAction,
    StopReason: summary.StopReason,
    FinishedAt: summary.FinishedAt,
  });
}

/** `batch.run.finished`: one of the batch's runs ended, with its counts (read the run for the details). */
export function runWebhookBody(eventId: string, summary: BatchSummary, run: RunSummary): string {
  return JSON.stringify({
    EventId: eventId,
    Type: "batch.run.finished",
    BatchId: summary.BatchId,
    Caller: summary.Caller,
    RunId: run.RunId,
    Source: run.Source,
    Status: run.Status,
    ScheduledAt: run.ScheduledAt,
    Instances: run.Instances,
    TaskStatuses: run.TaskStatuses,
    FinishedAt: run.FinishedAt,
  });
}

export type DeliveryResult = "delivered" | "refused" | { failed: string };

class AddressRefused extends Error {
  override name = "AddressRefused";
}

/**
 * A resolver that answers only addresses a delivery may reach through a name (not loopback,
 * link-local or metadata): the request connects to exactly what was checked, so a name that
 * resolves elsewhere a moment later changes nothing.
 */
function guardedLookup(): LookupFunction {
  return (hostname, options, callback) => {
    lookup(hostname, { ...options, all: true }, (error, found: LookupAddress[]) => {
      if (error) return callback(error, "", 4);
      const usable = found.filter((a) => !isForbiddenAddress(a.address));
      const first = usable[0];
      if (!first)
        return callback(new AddressRefused(`${hostname} resolves to no address a webhook may reach`), "", 4);
      if (options.all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, usable);
      callback(null, first.address, first.family);
    });
  };
}

/**
 * One POST: signed with `secret`, with a timeout, never following a redirect (a 3xx is a failure),
 * only to a host the allow-list still names (it may have changed since the batch was accepted),
 * and never through a name to a loopback, link-local or metadata address (a URL that names such
 * an IP is called only because the allow-list names that IP).
 */
export async function deliver(
  job: WebhookJobData,
  options: { secret: string; allowedHosts: readonly string[]; timeoutMs: number },
): Promise<DeliveryResult> {
  if (!isAllowedCallback(job.url, options.allowedHosts)) return "refused";
  const url = new URL(job.url);
  const send = url.protocol === "https:" ? httpsRequest : httpRequest;
  return new Promise<DeliveryResult>((resolve) => {
    const req = send(
      url,
      {
        method: "POST",
        lookup: guardedLookup(),
        timeout: options.timeoutMs,
        headers: {
          "content-type": "application/json",
          "content-length": Buffer.byteLength(job.body),
          [SIGNATURE_HEADER]: signatureHeader(options.secret, job.body),
          [EVENT_ID_HEADER]: job.eventId,
        },
      },
      (res) => {
        res.resume();
        const status = res.statusCode ?? 0;
        resolve(status >= 200 && status < 300 ? "delivered" : { failed: `HTTP ${status}` });
      },
    );
    req.on("timeout", () => req.destroy(new Error("TimeoutError")));
    req.on("error", (error) =>
      resolve(
        error instanceof AddressRefused
          ? "refused"
          : { failed: error.name === "Error" ? error.message : error.name },
      ),
    );
    req.end(job.body);
  });
}
