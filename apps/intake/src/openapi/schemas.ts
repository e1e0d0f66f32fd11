import { BATCH_STATUSES, CHUNK_STATUSES, INSTANCE_STATUSES, INVOKER_STATES } from "@tat-bulk/batches";
import { RUN_STATUSES } from "@tat-bulk/runs";
import { TASK_GROUP_NAMES, TASK_STATUSES } from "@tat-bulk/tat-api";

/** JSON Schema builders for the response bodies (the request's schema comes from zod). */
const str = { type: "string" } as const;
const int = { type: "integer", minimum: 0 } as const;
const nullable = (schema: object) => ({ anyOf: [schema, { type: "null" }] });
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const arrayOf = (items: object) => ({ type: "array", items });
const obj = (properties: Record<string, object>, required: string[] = Object.keys(properties)) => ({
  type: "object",
  required,
  properties,
});
/** A page of a list: its total and the items of one schema. */
const page = (items: string, schema: string) =>
  obj({ TotalCount: int, [items]: arrayOf(ref(schema)), RequestId: str });
const counts = (names: string[]) => obj(Object.fromEntries(names.map((n) => [n, int])));
/** STAGING is internal: the API never shows it. */
const PUBLIC_BATCH_STATUSES = BATCH_STATUSES.filter((status) => status !== "STAGING");

export const responseSchemas = {
  Error: obj({ Error: obj({ Code: str, Message: str }), RequestId: str }),
  ChunkError: obj({ Code: str, Message: str, RequestId: str }, ["Code", "Message"]),
  Accepted: obj({
    BatchId: str,
    InstanceCount: int,
    ChunkCount: int,
    DuplicatesRemoved: int,
    StatusUrl: str,
    RequestId: str,
  }),
  BatchStatus: {
    allOf: [
      obj({
        BatchId: str,
        Status: { enum: PUBLIC_BATCH_STATUSES },
        InstanceCount: int,
        ChunkCount: int,
        DuplicatesRemoved: int,
        Counts: counts(["Queued", "Running", "Succeeded", "PartiallyFailed", "Failed", "Cancelled"]),
        Instances: counts(["Succeeded", "Failed", "Pending", "Cancelled"]),
        // Failed instances by error code, counted as the chunks are written (no instance read).
        FailedByCode: { type: "object", additionalProperties: int },
        Invokers: counts(["Enabled", "Disabled", "Deleted"]),
        InvokerAction: nullable(
          obj({
            Target: { enum: [...INVOKER_STATES] },
            RequestedAt: str,
            DoneAt: nullable(str),
            Pending: int,
            Error: nullable(str),
          }),
        ),
        StopReason: nullable(obj({ Code: str, Message: str })),
        Caller: nullable(str),
        CreatedAt: str,
        UpdatedAt: str,
        FinishedAt: nullable(str),
        // When retention removes the batch: BATCH_RETENTION after it finished (null before).
        ExpiresAt: nullable(str),
        // The batch's OpenTelemetry trace (the submit's span is its root); null when tracing is off.
        TraceId: nullable(str),
      }),
      // Read routes say whether an unfinished batch waits for TAT (a circuit breaker is open).
      obj({ Paused: nullable(obj({ Reason: str, Since: str })) }, []),
      ref("InvokerBatchFields"),
    ],
  },
  Chunk: obj({
    Index: int,
    InstanceType: { enum: ["CVM", "LIGHTHOUSE", "MANAGED"] },
    InstanceIds: arrayOf(str),
    Status: { enum: [...CHUNK_STATUSES] },
    InvokerId: nullable(str),
    Invokers: arrayOf(obj({ InvokerId: str, InstanceIds: arrayOf(str) })),
    FailedInstances: arrayOf(obj({ InstanceId: str, Code: str, Message: str })),
    Attempts: int,
    Error: nullable(ref("ChunkError")),
  }),
  Batch: {
    allOf: [
      ref("BatchStatus"),
      obj({
        LastRun: nullable(
          obj({ RunId: str, Status: { enum: [...RUN_STATUSES] }, Instances: ref("RunInstanceCounts") }),
        ),
        EstimatedCompletionAt: nullable(str),
        ChunkTotal: int,
        Chunks: arrayOf(ref("Chunk")),
        RequestId: str,
      }),
    ],
  },
  BatchList: page("Batches", "BatchStatus"),
  Instance: obj({
    InstanceId: str,
    Status: { enum: [...INSTANCE_STATUSES] },
    InvokerId: nullable(str),
    Error: nullable(obj({ Code: str, Message: str })),
  }),
  AuditPage: obj({
    Entries: arrayOf(
      obj({
        Id: str,
        Time: str,
        Caller: str,
        Action: str,
        BatchId: nullable(str),
        RequestId: nullable(str),
        Source: str,
        Outcome: { enum: ["started", "ok", "refused", "failed"] },
        Status: nullable(int),
        Code: nullable(str),
        Details: nullable({
          type: "object",
          additionalProperties: { type: ["string", "number", "boolean"] },
        }),
        Count: { type: "integer", minimum: 1 },
        Since: nullable(str),
      }),
    ),
    NextBefore: nullable(str),
    RequestId: str,
  }),
  InstancePage: page("Instances", "Instance"),
  InvokerActionAccepted: obj({
    BatchId: str,
    Target: { enum: [...INVOKER_STATES] },
    ChunksQueued: int,
    StatusUrl: str,
    RequestId: str,
  }),
  RetryAccepted: obj({
    BatchId: str,
    InstancesRequeued: int,
    ChunksRequeued: int,
    StatusUrl: str,
    RequestId: str,
  }),
  RunInstanceCounts: counts([...TASK_GROUP_NAMES]),
  Run: obj({
    RunId: str,
    ScheduledAt: str,
    Source: { enum: ["INVOKER", "RERUN"] },
    Status: { enum: [...RUN_STATUSES] },
    Instances: ref("RunInstanceCounts"),
    TaskStatuses: { type: "object", additionalProperties: int },
    FirstStartedAt: nullable(str),
    LastFinishedAt: nullable(str),
    RerunOf: nullable(str),
    CreatedAt: str,
    FinishedAt: nullable(str),
  }),
  RunPage: page("Runs", "Run"),
  RunDetail: {
    allOf: [
      ref("Run"),
      obj({
        FailureGroups: arrayOf(
          obj({
            TaskStatus: { enum: [...TASK_STATUSES] },
            ExitCode: nullable({ type: "integer" }),
            OutputSample: str,
            Count: int,
          }),
        ),
        RequestId: str,
      }),
    ],
  },
  RunInstance: obj({
    InstanceId: str,
    TaskStatus: { enum: [...TASK_STATUSES] },
    ExitCode: nullable({ type: "integer" }),
    Output: str,
    Dropped: int,
    OutputUrl: nullable(str),
    ErrorInfo: nullable(str),
    InvocationId: nullable(str),
    InvocationTaskId: nullable(str),
    StartTime: nullable(str),
    EndTime: nullable(str),
  }),
  RunInstancePage: page("Instances", "RunInstance"),
  RerunAccepted: obj({ BatchId: str, RunId: str, InstanceCount: int, StatusUrl: str, RequestId: str }),
  Purged: obj({ BatchId: str, Purged: { const: true }, RequestId: str }),
  DeadLetterList: obj({
    DeadLetters: arrayOf(
      obj({
        Queue: { enum: ["chunks", "runs"] },
        JobId: str,
        BatchId: nullable(str),
        Index: nullable(int),
        Errors: int,
        Error: str,
        FailedAt: nullable(str),
      }),
    ),
    RequestId: str,
  }),
  DeadLetterRetried: obj({ Queue: str, JobId: str, Retried: { const: true }, RequestId: str }),
  Cancelled: {
    allOf: [
      ref("BatchStatus"),
      obj(
        {
          CancelInvokers: { enum: ["disable", "delete", "keep"] },
          CancelInvokersReason: str,
          RequestId: str,
        },
        ["CancelInvokers", "RequestId"],
      ),
    ],
  },
};
