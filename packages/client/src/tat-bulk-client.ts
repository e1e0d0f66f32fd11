import createClient from "openapi-fetch";
import type { components, paths } from "./generated/openapi.js";

export type SubmitRequest = components["schemas"]["InvokerBatchRequest"];
export type BatchAccepted = components["schemas"]["Accepted"];
export type BatchStatus = components["schemas"]["BatchStatus"];
export type InstanceOutcome = components["schemas"]["Instance"];
export type InstanceStatus = InstanceOutcome["Status"];

/** An answer of the intake other than success: its `{"Error": {"Code", "Message"}, "RequestId"}`. */
export class TatBulkError extends Error {
  override name = "TatBulkError";
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly requestId?: string,
  ) {
    super(`${code}: ${message}`);
  }
}

export interface ClientOptions {
  /** The intake, such as `http://tat-bulk.internal:8080`. */
  baseUrl: string;
  apiKey: string;
  /** Another fetch (tests, proxies); the global one by default. */
  fetch?: typeof fetch;
}

export interface WaitOptions {
  /** Told each status read, finished or not. */
  onProgress?: (status: BatchStatus) => void;
  /** The first pause between reads; it doubles up to `maxDelayMs` (default 500 ms and 10 s). */
  minDelayMs?: number;
  maxDelayMs?: number;
  /** Gives up (TatBulkError `Timeout`) after this long; default: never. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

type Answer<T> = { data?: T; error?: unknown; response: Response };

/** The body of a 2xx answer, else the intake's error as a TatBulkError. */
function unwrap<T>({ data, error, response }: Answer<T>): T {
  if (data !== undefined && response.ok) return data;
  const body = (error ?? {}) as { Error?: { Code?: string; Message?: string }; RequestId?: string };
  throw new TatBulkError(
    response.status,
    body.Error?.Code ?? `HTTP${response.status}`,
    body.Error?.Message ?? response.statusText,
    body.RequestId,
  );
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    const abort = () => {
      clearTimeout(timer);
      resolve();
    };
    signal?.addEventListener("abort", abort, { once: true });
  });

/**
 * The intake's API with its own types: `raw` is the openapi-fetch client for any route; the
 * helpers cover what an internal system does most.
 */
export function createTatBulkClient(options: ClientOptions) {
  const raw = createClient<paths>({
    baseUrl: options.baseUrl.replace(/\/$/, ""),
    headers: { authorization: `Bearer ${options.apiKey}` },
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
  const batch = (batchId: string) => ({ params: { path: { batchId } } });

  const client = {
    raw,

    /** POST /v1/invoker-batches; the same Idempotency-Key and body answer the same batch. */
    async submit(request: SubmitRequest, submitOptions: { idempotencyKey?: string } = {}) {
      const headers = submitOptions.idempotencyKey ? { "Idempotency-Key": submitOptions.idempotencyKey } : {};
      return unwrap(await raw.POST("/v1/invoker-batches", { body: request, params: { header: headers } }));
    },

    async status(batchId: string): Promise<BatchStatus> {
      return unwrap(
        await raw.GET("/v1/invoker-batches/{batchId}", {
          params: { path: { batchId }, query: { chunkLimit: 0 } },
        }),
      );
    },

    /** Reads the batch's status until it is final, with backoff between reads. */
    async waitForBatch(batchId: string, wait: WaitOptions = {}): Promise<BatchStatus> {
      const started = Date.now();
      let delay = wait.minDelayMs ?? 500;
      for (;;) {
        const status = await client.status(batchId);
        wait.onProgress?.(status);
        if (status.FinishedAt) return status;
        if (wait.signal?.aborted) throw new TatBulkError(0, "Aborted", `stopped waiting for ${batchId}`);
        if (wait.timeoutMs !== undefined && Date.now() - started > wait.timeoutMs) {
          throw new TatBulkError(0, "Timeout", `${batchId} not final after ${wait.timeoutMs} ms`);
        }
        await sleep(delay, wait.signal);
        delay = Math.min(delay * 2, wait.maxDelayMs ?? 10_000);
      }
    },

    /** Every instance of the batch with its outcome (optionally one status), a page at a time. */
    async *instances(
      batchId: string,
      query: { status?: InstanceStatus; pageSize?: number } = {},
    ): AsyncGenerator<InstanceOutcome> {
      const limit = query.pageSize ?? 1000;
      for (let offset = 0; ; offset += limit) {
        const page = unwrap(
          await raw.GET("/v1/invoker-batches/{batchId}/instances", {
            params: {
              path: { batchId },
              query: { offset, limit, ...(query.status ? { status: query.status } : {}) },
            },
          }),
        );
        yield* page.Instances;
        if (offset + limit >= page.TotalCount) return;
      }
    },

    async cancel(batchId: string, invokers: "disable" | "delete" | "keep" = "disable") {
      return unwrap(
        await raw.DELETE("/v1/invoker-batches/{batchId}", {
          params: { path: { batchId }, query: { invokers } },
        }),
      );
    },

    async retry(batchId: string) {
      return unwrap(await raw.POST("/v1/invoker-batches/{batchId}/retry", batch(batchId)));
    },
  };
  return client;
}

export type TatBulkClient = ReturnType<typeof createTatBulkClient>;
