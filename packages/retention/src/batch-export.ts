import {
  type BatchReads,
  type ChunkView,
  chunkView,
  type InstanceView,
  instanceViews,
} from "@tat-bulk/batches";
import type { RunInstance, RunReads, RunSummary } from "@tat-bulk/runs";
import { TASK_STATUSES } from "@tat-bulk/tat-api";

/**
 * One line of a batch's export (NDJSON): the batch first, then its chunks and its instances in
 * order, then each run (newest first) followed by its instances, and an `end` line with the counts,
 * so that a reader can tell a whole export from a cut one.
 */
export type ExportLine =
  | { Type: "batch"; Batch: object }
  | { Type: "chunk"; Chunk: ChunkView }
  | { Type: "instance"; Instance: InstanceView }
  | { Type: "run"; Run: RunSummary }
  | { Type: "run-instance"; RunId: string; Instance: RunInstance }
  | { Type: "end"; Chunks: number; Instances: number; Runs: number; RunInstances: number };

export interface ExportDeps {
  reads: Pick<BatchReads, "allChunks">;
  runs: Pick<RunReads, "list" | "get" | "instances">;
}

/** Run instances read per Redis round trip. */
const PAGE = 1000;

/** A batch's export, read page by page while the consumer writes (a 100,000-instance run is not held at once). */
export async function* exportBatch(
  deps: ExportDeps,
  batchId: string,
  batch: object,
): AsyncGenerator<ExportLine> {
  yield { Type: "batch", Batch: batch };
  const chunks = [...(await deps.reads.allChunks(batchId))].sort(([a], [b]) => a - b);
  for (const [index, chunk] of chunks) yield { Type: "chunk", Chunk: chunkView(index, chunk) };
  let instances = 0;
  for (const [, chunk] of chunks) {
    for (const view of instanceViews(chunk)) {
      instances++;
      yield { Type: "instance", Instance: view };
    }
  }
  let runCount = 0;
  let runInstances = 0;
  for (let offset = 0; ; offset += PAGE) {
    const { runs } = await deps.runs.list(batchId, offset, PAGE);
    for (const summary of runs) {
      const run = await deps.runs.get(batchId, summary.RunId);
      if (!run) continue;
      runCount++;
      yield { Type: "run", Run: run };
      for (let at = 0; ; at += PAGE) {
        const page = await deps.runs.instances(batchId, run.RunId, TASK_STATUSES, at, PAGE);
        for (const instance of page.items) {
          runInstances++;
          yield { Type: "run-instance", RunId: run.RunId, Instance: instance };
        }
        if (at + PAGE >= page.total) break;
      }
    }
    if (runs.length < PAGE) break;
  }
  yield {
    Type: "end",
    Chunks: chunks.length,
    Instances: instances,
    Runs: runCount,
    RunInstances: runInstances,
  };
}
