import { parseJson } from "./parse-json.js";
export interface BatchStatus {
  BatchId: string;
  Status: "QUEUED" | "RUNNING" | "SUCCEEDED" | "FAILED" | "PARTIALLY_FAILED" | "CANCELLED";
  InstanceCount: number;
  ChunkCount: number;
  DuplicatesRemoved: number;
  Counts: Record<"Queued" | "Running" | "Succeeded" | "PartiallyFailed" | "Failed" | "Cancelled", number>;
  Instances: Record<"Succeeded" | "Failed" | "Pending" | "Cancelled", number>;
  Invokers: { Enabled: number; Disabled: number; Deleted: number };
  InvokerAction: { Target: string; DoneAt: string | null; Pending: number; Error: string | null } | null;
  StopReason: { Code: string; Message: string } | null;
  /** Set while the batch waits for TAT (its circuit breaker is open). */
  Paused?: { Reason: string; Since: string } | null;
  CreatedAt: string;
  FinishedAt: string | null;
  EstimatedCompletionAt?: string | null;
  Name: string;
  CommandId: string;
  Chunks?: Array<{
    Index: number;
    Status: string;
    InstanceIds: string[];
    InvokerId: string | null;
    Error: { Code: string; Message: string } | null;
  }>;
}

export interface InstanceRow {
  InstanceId: string;
  Status: "SUCCEEDED" | "FAILED" | "PENDING" | "CANCELLED";
  InvokerId: string | null;
  Error: { Code: string; Message: string } | null;
}

export interface Accepted {
  BatchId: string;
  InstanceCount: number;
  ChunkCount: number;
  DuplicatesRemoved: number;
  StatusUrl: string;
}

/** An error answer of the intake, or a failure to reach it. */
export class IntakeError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly requestId?: string,
  ) {
    super(message);
  }
}

export class IntakeClient {
  constructor(
    private readonly url: string,
    private readonly apiKey: string,
  ) {}

  private async request<T>(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<T> {
    let res: Response;
    try {
      res = await fetch(`${this.url}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${this.apiKey}`,
          ...(body === undefined ? {} : { "content-type": "application/json" }),
          ...headers,
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    } catch (error) {
      const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message;
      throw new IntakeError("NetworkError", `cannot reach the intake at ${this.url} (${cause})`);
    }
    const text = await res.text();
    const parsed = parseJson(
      text,
      () =>
        new IntakeError(
          "InvalidResponse",
          `the intake answered HTTP ${res.status} with a body that is not JSON`,
        ),
    );
    if (!res.ok) {
      const { Error: err, RequestId } = parsed as {
        Error?: { Code?: string; Message?: string };
        RequestId?: string;
      };
      throw new IntakeError(
        err?.Code ?? `HTTP${res.status}`,
        err?.Message ?? `HTTP ${res.status}`,
        RequestId,
      );
    }
    return parsed as T;
  }

  submit(body: unknown, idempotencyKey?: string): Promise<Accepted> {
    return this.request(
      "POST",
      "/v1/invoker-batches",
      body,
      idempotencyKey ? { "idempotency-key": idempotencyKey } : {},
    );
  }

  status(batchId: string, query = "chunkLimit=0"): Promise<BatchStatus> {
    return this.request("GET", `/v1/invoker-batches/${encodeURIComponent(batchId)}?${query}`);
  }

  list(offset: number, limit: number): Promise<{ TotalCount: number; Batches: BatchStatus[] }> {
    return this.request("GET", `/v1/invoker-batches?offset=${offset}&limit=${limit}`);
  }

  cancel(batchId: string, invokers?: "disable" | "delete" | "keep"): Promise<BatchStatus> {
    const query = invokers ? `?invokers=${invokers}` : "";
    return this.request("DELETE", `/v1/invoker-batches/${encodeURIComponent(batchId)}${query}`);
  }

  /** POST …/disable, …/enable or …/delete-invokers. */
  invokerAction(
    batchId: string,
    path: "disable" | "enable" | "delete-invokers",
  ): Promise<{ ChunksQueued: number }> {
    return this.request("POST", `/v1/invoker-batches/${encodeURIComponent(batchId)}/${path}`);
  }

  retry(batchId: string): Promise<{ InstancesRequeued: number; ChunksRequeued: number }> {
    return this.request("POST", `/v1/invoker-batches/${encodeURIComponent(batchId)}/retry`);
  }

  /** Every instance of the batch with this status, page by page (10,000 a page). */
  async instances(batchId: string, status: InstanceRow["Status"]): Promise<InstanceRow[]> {
    const rows: InstanceRow[] = [];
    for (let offset = 0; ; offset += 10_000) {
      const page = await this.request<{ TotalCount: number; Instances: InstanceRow[] }>(
        "GET",
        `/v1/invoker-batches/${encodeURIComponent(batchId)}/instances?status=${status}&offset=${offset}&limit=10000`,
      );
      rows.push(...page.Instances);
      if (page.Instances.length === 0 || rows.length >= page.TotalCount) return rows;
    }
  }
}
