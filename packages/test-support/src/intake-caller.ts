/** An intake answer as a test reads it. */
export interface IntakeAnswer<T> {
  status: number;
  headers: Headers;
  body: T;
}

/** A batch's status fields a test waits on. */
export interface BatchStatusBody {
  BatchId: string;
  Status: string;
  FinishedAt: string | null;
  Counts: Record<"Queued" | "Running" | "Succeeded" | "PartiallyFailed" | "Failed" | "Cancelled", number>;
  Instances: Record<"Succeeded" | "Failed" | "Pending" | "Cancelled", number>;
  Paused?: { Reason: string; Since: string } | null;
}

/** Calls to the intake's /v1 API with an API key, as a caller's system makes them. */
export function intakeCaller(baseUrl: string, apiKey: string) {
  const call = async <T>(method: string, path: string, body?: unknown): Promise<IntakeAnswer<T>> => {
    const res = await fetch(`${baseUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: res.status, headers: res.headers, body: (await res.json()) as T };
  };
  /** The body of a 2xx answer; any other answer throws (a test that expects one uses `call`). */
  const ok = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const answer = await call<T>(method, path, body);
    if (answer.status >= 300) {
      throw new Error(`${method} ${path}: ${answer.status} ${JSON.stringify(answer.body)}`);
    }
    return answer.body;
  };
  return {
    call,
    get: <T>(path: string) => ok<T>("GET", path),
    post: <T>(path: string, body: unknown) => ok<T>("POST", path, body),
    /** Polls the batch until it is final (an intake answering 503 meanwhile is waited out). */
    async waitForBatch(batchId: string, timeoutMs = 60_000): Promise<BatchStatusBody> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const answer = await call<BatchStatusBody>(
          "GET",
          `/v1/invoker-batches/${batchId}?chunkLimit=0`,
        ).catch(() => undefined);
        if (answer?.status === 200 && answer.body.FinishedAt) return answer.body;
        if (Date.now() > deadline)
          throw new Error(`batch ${batchId} not final: ${JSON.stringify(answer?.body)}`);
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    },
  };
}
export type IntakeCaller = ReturnType<typeof intakeCaller>;
