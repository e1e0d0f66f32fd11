import {
  cvmIds,
  intakeCaller,
  type ProcessStack,
  sampleBatch,
  simAdmin,
  startProcessStack,
} from "@tat-bulk/test-support";
import { afterAll, describe, expect, it } from "vitest";

const KEY = "outage-test-key-0123456789abcdef";
const OUTAGE_MS = 12_000;
/** The test's probe schedule: 250 ms after opening, doubling to 1 s (the defaults: 1 s to 5 s). */
const PROBE_MS = 250;
const PROBE_MAX_MS = 1000;
const CHUNKS = 30;

let stack: ProcessStack | undefined;
afterAll(async () => {
  await stack?.close();
});

interface OutageReport {
  until: number;
  startedAt: number;
  calls: Array<{ action: string; atMs: number }>;
}
type Chunk = { Attempts: number; Status: string };

describe.each([
  {
    how: "to everything, the agent check on",
    fault: "internal-error-before",
    workerEnv: {} as Record<string, string>,
    attempts: (all: number[]) => expect(all).toEqual(Array(CHUNKS).fill(1)),
  },
  {
    // Each call into the outage creates its invoker: only looking it up after recovery avoids a second.
    how: "after each call took effect, the agent check off",
    fault: "internal-error-after",
    workerEnv: { TAT_PREFLIGHT: "off" },
    attempts: (all: number[]) => expect(Math.max(...all)).toBeLessThanOrEqual(1),
  },
])("TAT answers InternalError $how for a while, then recovers", ({ fault, workerEnv, attempts }) => {
  it("pauses the batch instead of failing it: SUCCEEDED, probes only, no attempt spent, no duplicate, full speed after", async () => {
    await stack?.close();
    stack = await startProcessStack({
      name: "tat-outage",
      intakeEnv: { INTAKE_API_KEYS: KEY },
      workerEnv: {
        // Two attempts: an outage that spent them would fail chunks.
        TAT_MAX_ATTEMPTS: "2",
        TAT_RETRY_BASE_MS: "100",
        TAT_RETRY_MAX_MS: "400",
        TAT_BREAKER_PROBE_MS: String(PROBE_MS),
        TAT_BREAKER_PROBE_MAX_MS: String(PROBE_MAX_MS),
        ...workerEnv,
      },
    });
    const admin = simAdmin(stack.sim.ready);
    const api = intakeCaller(stack.intake.ready, KEY);
    const workerMetrics = async () => (await fetch(`${stack?.worker?.ready}/metrics`)).text();

    await admin("POST", "/outage", { durationMs: OUTAGE_MS, fault });
    const { BatchId } = await api.post<{ BatchId: string }>(
      "/v1/invoker-batches",
      sampleBatch(cvmIds(CHUNKS * 100)),
    );
    // While TAT is out the batch says it waits, and the breaker's gauge says why.
    let paused: { Reason: string; Since: string } | null | undefined;
    for (let i = 0; i < 50 && !paused; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      paused = (await api.get<{ Paused: typeof paused }>(`/v1/invoker-batches/${BatchId}?chunkLimit=0`))
        .Paused;
    }
    expect(paused).toMatchObject({ Reason: "TAT unavailable", Since: expect.any(String) });
    expect(await workerMetrics()).toMatch(/tat_bulk_circuit_open\{action="[A-Za-z]+",bucket="[^"]+"\} 1/);

    const final = await api.waitForBatch(BatchId, OUTAGE_MS + 30_000);
    const report = await admin<OutageReport>("GET", "/outage");
    expect(final).toMatchObject({
      Status: "SUCCEEDED",
      Instances: { Succeeded: CHUNKS * 100, Failed: 0, Pending: 0 },
      Paused: null,
    });
    const batch = await api.get<{ Chunks: Chunk[] }>(`/v1/invoker-batches/${BatchId}?chunkLimit=100`);
    attempts(batch.Chunks.map((c) => c.Attempts));

    // Calls into the outage: a few until each bucket opens, then one probe at a time per endpoint
    // and account, at most one per probe cap once the interval has grown to it.
    const settled = PROBE_MS * 8;
    const late = report.calls.filter((c) => c.atMs >= settled).map((c) => c.atMs);
    expect(late.length).toBeLessThanOrEqual(Math.ceil((OUTAGE_MS - settled) / PROBE_MAX_MS) + 1);
    const gaps = late.slice(1).map((at, i) => at - (late[i] ?? 0));
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(PROBE_MAX_MS * 0.9);
    expect(report.calls.length).toBeLessThan(60);

    // Back to full speed: the first probe after recovery closes the circuit, and the backlog drains.
    const finishedMs = Date.parse(final.FinishedAt ?? "") - report.until;
    expect(finishedMs).toBeLessThan(PROBE_MAX_MS + 4000);

    const stats = await admin<{ duplicates: number; invokers: number }>("GET", "/stats");
    expect(stats).toMatchObject({ duplicates: 0, invokers: CHUNKS });
    expect(await workerMetrics()).not.toMatch(/tat_bulk_circuit_open\{[^}]*\} 1/);
    const log = stack.worker?.output() ?? "";
    expect(log).toContain("TAT unavailable: circuit opened");
    expect(log).toContain("TAT answers again: circuit closed");
  }, 90_000);
});
