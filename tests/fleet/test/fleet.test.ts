import { cvmIds, type ProcessStack, sampleBatch, simAdmin, startProcessStack } from "@tat-bulk/test-support";
import { afterEach, describe, expect, it } from "vitest";

const KEY = "fleet-test-key-0123456789abcdef";
const INSTANCES = 10_000;
const CHUNKS = INSTANCES / 100;

let stack: ProcessStack | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

async function intake<T>(s: ProcessStack, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${s.intake.ready}${path}`, {
    method: body === undefined ? "GET" : "POST",
    headers: { authorization: `Bearer ${KEY}`, "content-type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return (await res.json()) as T;
}

type Status = { FinishedAt: string | null; Status: string; Instances: Record<string, number> };
type Instance = { InstanceId: string; Error: { Code: string } | null };

describe.each([
  ["leaves missing instances out", "omit", "ResourceUnavailable.AgentNotReported"],
  ["fails the whole call for a missing instance", "error", "ResourceNotFound.InstanceNotFound"],
] as const)(
  "10,000 instances, 1%% offline and 0.2%% missing, with an agent check that %s",
  (_how, mode, missingCode) => {
    it("gives every healthy instance exactly one invoker and lists every unhealthy one FAILED with its code", async () => {
      stack = await startProcessStack({
        name: `fleet-${mode}`,
        simEnv: {
          TAT_SIM_OFFLINE_RATE: "0.01",
          TAT_SIM_MISSING_RATE: "0.002",
          TAT_SIM_AGENT_CHECK_MISSING: mode,
        },
        intakeEnv: { INTAKE_API_KEYS: KEY },
      });
      const s = stack;
      const admin = simAdmin(s.sim.ready);
      const ids = cvmIds(INSTANCES);
      const { BatchId } = await intake<{ BatchId: string }>(s, "/v1/invoker-batches", sampleBatch(ids));
      let status: Status;
      do {
        await new Promise((resolve) => setTimeout(resolve, 250));
        status = await intake<Status>(s, `/v1/invoker-batches/${BatchId}?chunkLimit=0`);
      } while (!status.FinishedAt);

      // The simulator's truth, independent of what tat-bulk saw.
      const { statuses } = await admin<{ statuses: Record<string, string> }>("POST", "/agents/status", {
        InstanceIds: ids,
      });
      const healthy = ids.filter((id) => statuses[id] === "Online");
      const expectedCodes = new Map(
        ids.flatMap((id): Array<[string, string]> => {
          if (statuses[id] === "Offline") return [[id, "ResourceUnavailable.AgentStatusNotOnline"]];
          return statuses[id] === "Missing" ? [[id, missingCode]] : [];
        }),
      );
      expect(expectedCodes.size).toBeGreaterThan(50);

      const invokers = (await admin<{ invokers: Array<{ InstanceIds: string[] }> }>("GET", "/invokers"))
        .invokers;
      expect(invokers.flatMap((i) => i.InstanceIds).sort()).toEqual(healthy.sort());
      const failed = await intake<{ TotalCount: number; Instances: Instance[] }>(
        s,
        `/v1/invoker-batches/${BatchId}/instances?status=FAILED&limit=10000`,
      );
      expect(new Map(failed.Instances.map((i) => [i.InstanceId, i.Error?.Code]))).toEqual(expectedCodes);
      expect(status).toMatchObject({
        Status: "PARTIALLY_FAILED",
        Instances: { Succeeded: healthy.length, Failed: expectedCodes.size, Pending: 0, Cancelled: 0 },
      });
      const stats = await admin<{ calls: Record<string, Record<string, number>>; duplicates: number }>(
        "GET",
        "/stats",
      );
      const creates = Object.values(stats.calls.CreateInvoker ?? {}).reduce((a, b) => a + b, 0);
      expect(creates).toBeLessThanOrEqual(1.05 * CHUNKS);
      expect(stats.duplicates).toBe(0);
    }, 90_000);
  },
);
