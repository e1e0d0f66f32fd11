import {
  type ClusterProcessStack,
  cvmIds,
  intakeCaller,
  sampleBatch,
  simAdmin,
  startClusterProcessStack,
} from "@tat-bulk/test-support";
import { afterAll, describe, expect, it } from "vitest";

const KEY = "cluster-test-key-0123456789abcdef";

let stack: ClusterProcessStack | undefined;
afterAll(async () => {
  await stack?.close();
});

describe("on a 3-master Redis Cluster (REDIS_CLUSTER_NODES)", () => {
  it("accepts, drains, cancels and retries batches: every Lua script's keys share a slot", async () => {
    stack = await startClusterProcessStack({
      name: "cluster",
      intakeEnv: { INTAKE_API_KEYS: KEY },
      simEnv: { TAT_SIM_OFFLINE_RATE: "0.01" },
      workerEnv: { RECONCILE_INTERVAL_MS: "500" },
    });
    const api = intakeCaller(stack.intake.ready, KEY);
    const { BatchId } = await api.post<{ BatchId: string }>("/v1/invoker-batches", sampleBatch(cvmIds(3000)));
    const final = await api.waitForBatch(BatchId, 60_000);
    expect(final.Status).toBe("PARTIALLY_FAILED");
    expect(final.Instances.Succeeded + final.Instances.Failed).toBe(3000);
    expect(final.Instances.Failed).toBeGreaterThan(0);
    // The failed ones (offline agents) go again, as a retry round.
    const retried = await api.post<{ InstancesRequeued: number }>(`/v1/invoker-batches/${BatchId}/retry`, {});
    expect(retried.InstancesRequeued).toBe(final.Instances.Failed);
    expect((await api.waitForBatch(BatchId, 30_000)).Instances.Succeeded).toBe(final.Instances.Succeeded);
    // A cancel with invokers disabled, and the audit of it.
    const second = await api.post<{ BatchId: string }>("/v1/invoker-batches", sampleBatch(cvmIds(500, 5000)));
    await api.call("DELETE", `/v1/invoker-batches/${second.BatchId}`);
    expect((await api.waitForBatch(second.BatchId, 30_000)).Status).toBe("CANCELLED");
    const stats = await simAdmin(stack.sim.ready)<{ duplicates: number }>("GET", "/stats");
    expect(stats.duplicates).toBe(0);
    expect((await fetch(`${stack.intake.ready}/readyz`)).status).toBe(200);
  }, 120_000);
});
