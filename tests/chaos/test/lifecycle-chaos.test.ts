import { runChaos } from "@tat-bulk/test-support";
import { describe, expect, it } from "vitest";

describe("a short lifecycle chaos run (npm run bench:chaos is the long one)", () => {
  it("rides Sentinel failovers with cancels, retries and outages, loses nothing, and expires everything after", async () => {
    const seed = Number(process.env.CHAOS_SEED ?? Date.now() % 1_000_000);
    const report = await runChaos({
      name: "chaos-lifecycle",
      redis: "sentinel",
      durationMs: 25_000,
      settleMs: 90_000,
      workers: 2,
      submitEveryMs: 1000,
      sizes: [1, 5000],
      spread: "log",
      callers: 2,
      cancelShare: 0.1,
      retryShare: 0.1,
      onceAfterMs: 10_000,
      workerKillEveryMs: [6000, 10_000],
      redisRestarts: 1,
      redisDownMs: 3000,
      outageMs: 0,
      outages: { everyMs: [8000, 12_000], durationMs: [3000, 5000] },
      intakeEnv: { INTAKE_MIN_REPLICAS: "1" },
      retentionAfter: { retention: "5s", timeoutMs: 120_000 },
      seed,
      // What retention left, if anything, is printed with why.
      log: (line) => {
        if (/^(retention|left) /.test(line)) console.log(line);
      },
      // Repairs within seconds, so the run settles within its budget.
      workerEnv: { RECONCILE_INTERVAL_MS: "2000" },
    });
    // The seed replays the run's faults (CHAOS_SEED) when it breaks.
    expect({
      seed,
      ...report.verdict,
      failedJobs: report.failedJobs,
      left: report.leftAfterRetention,
    }).toMatchObject({
      seed,
      stuck: [],
      missing: [],
      duplicates: 0,
      mismatched: [],
      miscounted: [],
      failedJobs: 0,
      left: 0,
    });
    expect(report.verdict.reportedSucceeded).toBe(report.verdict.tatInstances);
    expect(report.faults.redisRestarts).toBe(1);
    expect(report.faults.outages).toBeGreaterThanOrEqual(1);
    expect(report.verdict.accepted).toBeGreaterThan(10);
    expect(report.held).toBe(true);
    console.log(
      JSON.stringify({ seed, faults: report.faults, memory: report.memory, refused: report.refused }),
    );
  });
});
