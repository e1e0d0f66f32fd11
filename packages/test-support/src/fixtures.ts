import { SIMULATOR_CREDENTIALS } from "@tat-bulk/config";

/** `n` distinct, well-formed CVM instance IDs, from `offset` on. */
export const cvmIds = (n: number, offset = 0): string[] =>
  Array.from({ length: n }, (_, i) => `ins-${(i + offset).toString(36).padStart(8, "0")}`);

/** The fields of a valid batch request other than its instances. */
export const SAMPLE_REQUEST = {
  Name: "sample",
  Type: "SCHEDULE",
  CommandId: "cmd-m7uma92n",
  ScheduleSettings: { Policy: "RECURRENCE", Recurrence: "0 0 1 * *" },
} as const;

/** A valid batch request body for these instances. */
export const sampleBatch = (instanceIds: readonly string[]) => ({
  ...SAMPLE_REQUEST,
  InstanceIds: [...instanceIds],
});

/** What a worker needs to call the simulator at `simUrl` with its local key pair. */
export const simulatorWorkerEnv = (simUrl: string) => ({
  TAT_ENDPOINT: simUrl,
  TENCENTCLOUD_SECRET_ID: SIMULATOR_CREDENTIALS.secretId,
  TENCENTCLOUD_SECRET_KEY: SIMULATOR_CREDENTIALS.secretKey,
});
