import { runChaos } from "@tat-bulk/test-support";
import { describe, expect, it } from "vitest";

describe("a short chaos run (npm run bench:chaos is the long one)", () => {
  it("ends every accepted batch, reports exactly TAT's invokers, no duplicate, every count adding up", async () => {
    const seed = Number(process.env.CHAOS_SEED ?? Date.now() % 1_000_000);
    const report = await runChaos({
      name: "chaos-short",
      durationMs: 30_000,
      settleMs: 90_000,
      workers: 2,
      submitEveryMs: 1500,
      sizes: [100, 1500],
      workerKillEveryMs: [6000, 10_000],
      redisRestarts: 1,
      redisDownMs: 3000,
      outageMs: 5000,
      seed,
      // Repairs within seconds, so the run settles within its budget.
      workerEnv: { RECONCILE_INTERVAL_MS: "2000" },
    });
    // The seed replays the run's faults (CHAOS_SEED) when it breaks.
    expect({ seed, ...report.verdict, held: report.held }).toMatchObject({
      seed,
      stuck: [],
      missing: [],
      duplicates: 0,
      mismatched: [],
      miscounted: [],
      held: true,
    });
    expect(report.verdict.reportedSucceeded).toBe(report.verdict.tatInstances);
    expect(report.faults).toMatchObject({ redisRestarts: 1, outages: 1 });
    expect(report.faults.workerKills).toBeGreaterThanOrEqual(4);
    expect(report.verdict.accepted).toBeGreaterThan(10);
  });
});
