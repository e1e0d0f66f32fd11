import type { IntakeCaller } from "../intake-caller.js";
import type { AcceptedBatch } from "./chaos-load.js";

interface ChunkBody {
  Index: number;
  Status: string;
  InstanceIds: string[];
  Invokers: Array<{ InvokerId: string; InstanceIds: string[] }>;
}

interface BatchBody {
  Status: string;
  FinishedAt: string | null;
  InstanceCount: number;
  ChunkCount: number;
  Counts: Record<string, number>;
  Instances: Record<string, number>;
  Chunks: ChunkBody[];
}

interface SimInvoker {
  InvokerId: string;
  InstanceIds: string[];
  Tags: Array<{ Key: string; Value: string }>;
}

const FINAL = new Set(["SUCCEEDED", "PARTIALLY_FAILED", "FAILED", "CANCELLED"]);
const CHUNK_STATUS_COUNTS: Record<string, string> = {
  QUEUED: "Queued",
  RUNNING: "Running",
  SUCCEEDED: "Succeeded",
  PARTIALLY_FAILED: "PartiallyFailed",
  FAILED: "Failed",
  CANCELLED: "Cancelled",
};

/** What the run owes: every accepted batch final, TAT's invokers exactly what the batches report. */
export interface ChaosVerdict {
  accepted: number;
  instances: number;
  final: number;
  /** Accepted, and not final when the run gave up waiting: with their counts and open chunks. */
  stuck: Array<{ batchId: string; status: string; counts: Record<string, number>; open: number[] }>;
  /** Accepted (202), and unknown to the intake afterwards. */
  missing: string[];
  /** Instances held by more than one invoker of one command at the simulator. */
  duplicates: number;
  /** Instances the batches report SUCCEEDED (in an invoker), and those TAT holds an invoker for. */
  reportedSucceeded: number;
  tatInstances: number;
  /** Batches whose reported instances differ from TAT's, with the instances on each side only. */
  mismatched: Array<{ batchId: string; reportedOnly: number; tatOnly: number }>;
  /** Batches whose counters do not add up, or differ from the sum over their chunks. */
  miscounted: Array<{ batchId: string; why: string }>;
}

async function readBatch(api: IntakeCaller, batchId: string): Promise<BatchBody | "missing"> {
  let batch: BatchBody | undefined;
  for (let offset = 0; ; offset += 1000) {
    const path = `/v1/invoker-batches/${batchId}?chunkOffset=${offset}&chunkLimit=1000`;
    let answer = await api.call<BatchBody>("GET", path);
    for (let tries = 0; answer.status >= 500 && tries < 10; tries++) {
      await new Promise((resolve) => setTimeout(resolve, 1000));
      answer = await api.call<BatchBody>("GET", path);
    }
    if (answer.status === 404) return "missing";
    if (answer.status !== 200) throw new Error(`status of ${batchId}: ${answer.status}`);
    batch = batch ? { ...batch, Chunks: [...batch.Chunks, ...answer.body.Chunks] } : answer.body;
    if (batch.Chunks.length >= batch.ChunkCount || answer.body.Chunks.length === 0) return batch;
  }
}

/** Instances per batch that the simulator holds an invoker for, from the chunk tags tat-bulk wrote. */
function tatInstancesByBatch(invokers: readonly SimInvoker[]): Map<string, Set<string>> {
  const byBatch = new Map<string, Set<string>>();
  for (const invoker of invokers) {
    const tag = invoker.Tags.find((t) => t.Key === "tat-bulk-chunk");
    const batchId = tag?.Value.split("/")[0];
    if (!batchId) continue;
    const set = byBatch.get(batchId) ?? new Set<string>();
    for (const id of invoker.InstanceIds) set.add(id);
    byBatch.set(batchId, set);
  }
  return byBatch;
}

function countProblems(batch: BatchBody): string[] {
  const problems: string[] = [];
  const instances = Object.values(batch.Instances).reduce((a, b) => a + b, 0);
  if (instances !== batch.InstanceCount) {
    problems.push(`instances add up to ${instances}, not ${batch.InstanceCount}`);
  }
  const counts = Object.values(batch.Counts).reduce((a, b) => a + b, 0);
  if (counts !== batch.ChunkCount) problems.push(`chunk counts add up to ${counts}, not ${batch.ChunkCount}`);
  const byStatus: Record<string, number> = {};
  for (const chunk of batch.Chunks) {
    const field = CHUNK_STATUS_COUNTS[chunk.Status] ?? chunk.Status;
    byStatus[field] = (byStatus[field] ?? 0) + 1;
  }
  for (const [field, n] of Object.entries(batch.Counts)) {
    if ((byStatus[field] ?? 0) !== n)
      problems.push(`Counts.${field} ${n}, chunks say ${byStatus[field] ?? 0}`);
  }
  const inInvokers = batch.Chunks.reduce(
    (n, c) => n + c.Invokers.reduce((m, v) => m + v.InstanceIds.length, 0),
    0,
  );
  if (inInvokers !== batch.Instances.Succeeded) {
    problems.push(`Instances.Succeeded ${batch.Instances.Succeeded}, chunks' invokers hold ${inInvokers}`);
  }
  return problems;
}

/** Reads every accepted batch and the simulator's invokers, and checks the four invariants. */
export async function checkChaosRun(
  /** The caller that may read the batch (its owner), or one for all. */
  api: IntakeCaller | ((batchId: string) => IntakeCaller),
  simInvokers: readonly SimInvoker[],
  duplicates: number,
  accepted: readonly AcceptedBatch[],
): Promise<ChaosVerdict> {
  const tat = tatInstancesByBatch(simInvokers);
  const verdict: ChaosVerdict = {
    accepted: accepted.length,
    instances: accepted.reduce((n, b) => n + b.instanceIds.length, 0),
    final: 0,
    stuck: [],
    missing: [],
    duplicates,
    reportedSucceeded: 0,
    tatInstances: 0,
    mismatched: [],
    miscounted: [],
  };
  const reader = typeof api === "function" ? api : () => api;
  for (const { batchId } of accepted) {
    const batch = await readBatch(reader(batchId), batchId);
    const held = tat.get(batchId) ?? new Set<string>();
    verdict.tatInstances += held.size;
    if (batch === "missing") {
      verdict.missing.push(batchId);
      continue;
    }
    if (FINAL.has(batch.Status) && batch.FinishedAt) verdict.final++;
    else {
      const open = batch.Chunks.filter((c) => !FINAL.has(c.Status)).map((c) => c.Index);
      verdict.stuck.push({ batchId, status: batch.Status, counts: batch.Counts, open });
    }
    const reported = new Set(batch.Chunks.flatMap((c) => c.Invokers.flatMap((v) => v.InstanceIds)));
    verdict.reportedSucceeded += batch.Instances.Succeeded ?? 0;
    const reportedOnly = [...reported].filter((id) => !held.has(id)).length;
    const tatOnly = [...held].filter((id) => !reported.has(id)).length;
    if (reportedOnly || tatOnly) verdict.mismatched.push({ batchId, reportedOnly, tatOnly });
    const problems = countProblems(batch);
    if (problems.length) verdict.miscounted.push({ batchId, why: problems.join("; ") });
  }
  return verdict;
}

/** Whether every invariant holds. */
export function chaosHeld(verdict: ChaosVerdict): boolean {
  return (
    verdict.stuck.length === 0 &&
    verdict.missing.length === 0 &&
    verdict.duplicates === 0 &&
    verdict.mismatched.length === 0 &&
    verdict.miscounted.length === 0 &&
    verdict.reportedSucceeded === verdict.tatInstances
  );
}
