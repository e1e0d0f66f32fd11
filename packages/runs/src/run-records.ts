import type { RunSource, RunStatus } from "./run-types.js";

/** Instances per InvokeCommand call: older documentation says 100, the SDK 200; 100 is safe. */
export const RERUN_PART_SIZE = 100;

/** A rerun's InvokeCommand part: its instances, and how far it got. */
export interface RerunPart {
  instanceIds: string[];
  /** new: not sent; sending: a call may have reached TAT (look before sending again); sent. */
  state: "new" | "sending" | "sent";
  invocationId?: string;
  /** Epoch ms of its latest send. */
  sentAt?: number;
}

/** The run's own fields, as stored. */
export interface RunMeta {
  source: RunSource;
  status: RunStatus;
  scheduledAt: number;
  createdAt: number;
  finishedAt: number | undefined;
  firstStartedAt: number | undefined;
  lastFinishedAt: number | undefined;
  total: number;
  rerunOf: string | undefined;
}

export const num = (text: string | undefined) =>
  text === undefined || text === "" ? undefined : Number(text);

export function metaOf(hash: Record<string, string>): RunMeta | undefined {
  if (!hash.source) return undefined;
  return {
    source: hash.source as RunSource,
    status: (hash.status ?? "PENDING") as RunStatus,
    scheduledAt: Number(hash.scheduledAt ?? 0),
    createdAt: Number(hash.createdAt ?? 0),
    finishedAt: num(hash.finishedAt),
    firstStartedAt: num(hash.firstStartedAt),
    lastFinishedAt: num(hash.lastFinishedAt),
    total: Number(hash.total ?? 0),
    rerunOf: hash.rerunOf || undefined,
  };
}
