import createClient from "openapi-fetch";
import type { components, paths } from "./generated/openapi.js";
import { runMethods } from "./run-methods.js";

export type { RerunAccepted, RunDetail, RunInstance, RunSummary } from "./run-methods.js";

export type SubmitRequest = components["schemas"]["InvokerBatchRequest"];
export type BatchAccepted = components["schemas"]["Accepted"];
/** A batch as status and lists give it: its counts, no chunks (`batch()` gives a BatchDetail, with them). */
export type BatchSummary = components["schemas"]["BatchStatus"];
/** @deprecated The name BatchSummary says what it is: the summary, not the detail. */
export type BatchStatus = BatchSummary;
/** A batch with its ETA and a page of its chunks. */
export type BatchDetail = components["schemas"]["Batch"];
export type InstanceOutcome = components["schemas"]["Instance"];
export type InstanceStatus = InstanceOutcome["Status"];
export type Purged = components["schemas"]["Purged"];
export type Cancelled = components["schemas"]["Cancelled"];
export type DeadLetter = components["schemas"]["DeadLetterList"]["DeadLetters"][number];

/** An answer of the intake other than success: its `{"Error": {"Code", "Message"}, "RequestId"}`. */
export class TatBulkError extends Error {
  override name = "TatBulkError";
  /** The HTTP status (0: no answer). */
  readonly status: number;
  readonly code: string;
  readonly requestId: string | undefined;

  constructor(answer: { status: number; code: string; message: string; requestId?: string | undefined }) {
    super(`${answer.code}: ${answer.message}`);
    this.status = answer.status;
    this.code = answer.code;
    this.requestId = answer.requestId;
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
  onProgress?: (status: BatchSummary) => void;
  /** The first pause between reads; it doubles up to `maxDelayMs` (default 500 ms and 10 s). */
  minDelayMs?: number;
  maxDelayMs?: number;
  /** Gives up (TatBulkError `Timeout`) after this long; default: never. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

type Answer<T> = { data?: T; error?: unknown; response: Response };

/**
 * A call's transport failures as TatBulkError too: `NetworkError` (the intake cannot be reached)
 * and `InvalidResponse` (an answer that is not JSON).
 */
async function sent<T>(baseUrl: string, request: Promise<T>): Promise<T> {
  try {
    return await request;
  } catch (error) {
    if (error instanceof SyntaxError) {
      throw new TatBulkError({
        status: 0,
        code: "InvalidResponse",
        message: "the intake answered with a body that is not JSON",
      });
    }
    const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message;
    throw new TatBulkError({
      status: 0,
      code: "NetworkError",
      message: `cannot reach the intake at ${baseUrl} (${cause})`,
    });
  }
}

/** The body of a 2xx answer, else the intake's error as a TatBulkError. */
function unwrap<T>({ data, error, response }: Answer<T>): T {
  if (data !== undefined && response.ok) return data;
  const body = (error ?? {}) as { Error?: { Code?: string; Message?: string }; RequestId?: string };
  throw new TatBulkError({
    status: response.status,
    code: body.Error?.Code ?? `HTTP${response.status}`,
    message: body.Error?.Message ?? response.statusText,
    requestId: body.RequestId,
  });
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
  const baseUrl = options.baseUrl.replace(/\/$/, "");
  const raw = createClient<paths>({
    baseUrl,
    headers: { authorization: `Bearer ${options.apiKey}` },
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
  const batch = (batchId: string) => ({ params: { path: { batchId } } });
  const call = async <T>(answer: Promise<Answer<T>>): Promise<T> => unwrap(await sent(baseUrl, answer));

  const client = {
    raw,
    ...runMethods(raw, call),

    /** POST /v1/invoker-batches; the same Idempotency-Key and body answer the same batch. */
    async submit(request: SubmitRequest, submitOptions: { idempotencyKey?: string } = {}) {
      const headers = submitOptions.idempotencyKey ? { "Idempotency-Key": submitOptions.idempotencyKey } : {};
      return await call(raw.POST("/v1/invoker-batches", { body: request, params: { header: headers } }));
    },

    /** The batch's status (its detail without chunks). */
    status(batchId: string): Promise<BatchSummary> {
      return client.batch(batchId, { chunkLimit: 0 });
    },

    /** The batch with its ETA and up to `chunkLimit` (≤ 1,000) of its chunks from `chunkOffset`. */
    async batch(
      batchId: string,
      page: {
        chunkOffset?: number;
        chunkLimit?: number;
        status?: BatchDetail["Chunks"][number]["Status"];
      } = {},
    ): Promise<BatchDetail> {
      return await call(
        raw.GET("/v1/invoker-batches/{batchId}", { params: { path: { batchId }, query: page } }),
      );
    },

    /** The caller's batches, newest first. */
    async list(offset = 0, limit = 20) {
      return await call(raw.GET("/v1/invoker-batches", { params: { query: { offset, limit } } }));
    },

    /** Brings every invoker the batch created to DISABLED, ENABLED or deleted. */
    async invokers(batchId: string, action: "disable" | "enable" | "delete-invokers") {
      const path = `/v1/invoker-batches/{batchId}/${action}` as const;
      return await call(raw.POST(path, batch(batchId)));
    },

    /** Reads the batch's status until it is final, with backoff between reads. */
    async waitForBatch(batchId: string, wait: WaitOptions = {}): Promise<BatchSummary> {
      const started = Date.now();
      let delay = wait.minDelayMs ?? 500;
      for (;;) {
        const status = await client.status(batchId);
        wait.onProgress?.(status);
        if (status.FinishedAt) return status;
        if (wait.signal?.aborted)
          throw new TatBulkError({ status: 0, code: "Aborted", message: `stopped waiting for ${batchId}` });
        if (wait.timeoutMs !== undefined && Date.now() - started > wait.timeoutMs) {
          throw new TatBulkError({
            status: 0,
            code: "Timeout",
            message: `${batchId} not final after ${wait.timeoutMs} ms`,
          });
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
        const page = await call(
          raw.GET("/v1/invoker-batches/{batchId}/instances", {
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

    /** Removes a finished batch and everything under it now (409 FailedOperation.BatchNotFinished otherwise). */
    async purge(batchId: string): Promise<Purged> {
      const answer = await call(
        raw.DELETE("/v1/invoker-batches/{batchId}", {
          params: { path: { batchId }, query: { purge: "true" } },
        }),
      );
      if (!("Purged" in answer))
        throw new TatBulkError({ status: 200, code: "InvalidResponse", message: "not a purge" });
      return answer;
    },

    /**
     * The batch's export, line by line (NDJSON text: batch, chunks, instances, runs and their
     * instances, then an `end` line), read as it arrives. An export without its `end` line was cut.
     */
    async *exportLines(batchId: string): AsyncGenerator<string> {
      const { response } = await sent(
        baseUrl,
        raw.GET("/v1/invoker-batches/{batchId}/export", { ...batch(batchId), parseAs: "stream" }),
      );
      if (!response.ok || !response.body) {
        const error = await sent(baseUrl, response.json().catch(() => ({})) as Promise<unknown>);
        unwrap({ error, response });
      }
      let rest = "";
      for await (const text of (response.body as ReadableStream<Uint8Array>).pipeThrough(
        new TextDecoderStream(),
      )) {
        const lines = (rest + text).split("\n");
        rest = lines.pop() ?? "";
        yield* lines.filter(Boolean);
      }
      if (rest) yield rest;
    },

    async cancel(batchId: string, invokers: "disable" | "delete" | "keep" = "disable"): Promise<Cancelled> {
      const answer = await call(
        raw.DELETE("/v1/invoker-batches/{batchId}", {
          params: { path: { batchId }, query: { invokers } },
        }),
      );
      // The route answers a purge only when asked for one (purge=true).
      if ("Purged" in answer)
        throw new TatBulkError({ status: 200, code: "InvalidResponse", message: "not a cancel" });
      return answer;
    },

    async retry(batchId: string) {
      return await call(raw.POST("/v1/invoker-batches/{batchId}/retry", batch(batchId)));
    },

    /** Jobs the workers parked after too many unforeseen errors in a row, newest first (admin). */
    async deadLetters(limit = 100): Promise<DeadLetter[]> {
      return (await call(raw.GET("/v1/admin/dead-letters", { params: { query: { limit } } }))).DeadLetters;
    },

    /** Sends a parked job again (admin). */
    async retryDeadLetter(queue: DeadLetter["Queue"], jobId: string) {
      return await call(
        raw.POST("/v1/admin/dead-letters/{queue}/{jobId}/retry", { params: { path: { queue, jobId } } }),
      );
    },
  };
  return client;
}

export type TatBulkClient = ReturnType<typeof createTatBulkClient>;
