import type createClient from "openapi-fetch";
import type { components, paths } from "./generated/openapi.js";

export type RunSummary = components["schemas"]["Run"];
export type RunDetail = components["schemas"]["RunDetail"];
export type RunInstance = components["schemas"]["RunInstance"];
export type RerunAccepted = components["schemas"]["RerunAccepted"];

type Raw = ReturnType<typeof createClient<paths>>;
type Call = <T>(answer: Promise<{ data?: T; error?: unknown; response: Response }>) => Promise<T>;

/** A batch's runs: what its invokers ran, per instance, and reruns of what failed. */
export function runMethods(raw: Raw, call: Call) {
  const path = (batchId: string, runId: string) => ({ params: { path: { batchId, runId } } });
  return {
    /** The batch's runs, newest first. */
    async runs(batchId: string, offset = 0, limit = 20) {
      return await call(
        raw.GET("/v1/invoker-batches/{batchId}/runs", {
          params: { path: { batchId }, query: { offset, limit } },
        }),
      );
    },

    /** One run, with its failures grouped by status, exit code and output. */
    async run(batchId: string, runId: string): Promise<RunDetail> {
      return await call(raw.GET("/v1/invoker-batches/{batchId}/runs/{runId}", path(batchId, runId)));
    },

    /** A run's instances (a TaskStatus or a group such as `Failed`), a page at a time. */
    async *runInstances(
      batchId: string,
      runId: string,
      query: { status?: string; pageSize?: number } = {},
    ): AsyncGenerator<RunInstance> {
      const limit = query.pageSize ?? 1000;
      for (let offset = 0; ; offset += limit) {
        const page = await call(
          raw.GET("/v1/invoker-batches/{batchId}/runs/{runId}/instances", {
            params: {
              path: { batchId, runId },
              query: { offset, limit, ...(query.status ? { status: query.status } : {}) },
            },
          }),
        );
        yield* page.Instances;
        if (offset + limit >= page.TotalCount) return;
      }
    },

    /** Runs the batch's command again on a finished run's failed instances, or on these. */
    async rerun(
      batchId: string,
      runId: string,
      instances: "failed" | string[] = "failed",
    ): Promise<RerunAccepted> {
      return await call(
        raw.POST("/v1/invoker-batches/{batchId}/runs/{runId}/rerun", {
          ...path(batchId, runId),
          body: { Instances: instances },
        }),
      );
    },
  };
}
