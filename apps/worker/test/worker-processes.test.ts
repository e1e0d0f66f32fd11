import { type ServiceProcess, startApp } from "@tat-bulk/test-support";
import { afterEach, describe, expect, it } from "vitest";
import { cvmIds, type Stack, startStack } from "./worker-harness.js";
import { scrapeCounter, spawnWorker } from "./worker-process.js";

let stack: Stack | undefined;
const processes: ServiceProcess[] = [];
afterEach(async () => {
  await Promise.all(processes.splice(0).map((p) => p.stop("SIGKILL")));
  await stack?.close();
  stack = undefined;
});

async function spawn(s: Stack, overrides: Record<string, string> = {}) {
  // Default settings: only where to find Redis, the queue and the endpoint, and the credentials.
  const { TAT_RETRY_BASE_MS: _b, TAT_RETRY_MAX_MS: _m, ...env } = s.workerEnv(overrides);
  const p = await spawnWorker(env);
  processes.push(p);
  return p;
}

const waitFor = async (what: string, check: () => Promise<boolean>, timeoutMs = 20_000) => {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
};

describe.each([
  ["sliding", { TAT_SIM_RATE_WINDOW: "sliding" }],
  [
    "aligned-window with 20 ms arrival jitter",
    { TAT_SIM_RATE_WINDOW: "fixed", TAT_SIM_ARRIVAL_JITTER_MS: "20" },
  ],
])("three worker processes against the %s limit, default settings", (_mode, simEnv) => {
  it("get no RequestLimitExceeded, at most 20 arrivals in any 1000 ms, and at least 0.95 of the rate", async () => {
    // The simulator is the instrument: its own process, so that the test's polling and vitest's
    // work never stall the event loop that stamps arrivals (a stall moves an arrival late).
    const sim = await startApp("tat-sim", simEnv);
    processes.push(sim);
    stack = await startStack({ simUrl: sim.ready });
    const s = stack;
    await Promise.all([spawn(s), spawn(s), spawn(s)]);
    // Warm every process first: on a 2-core machine, four cold processes starting at once starve
    // the simulator's event loop for 30–60 ms, which stamps arrivals late and bunches them (a
    // remote TAT does not share our CPU). The measured batch runs on warm processes.
    const warmUp = await s.submit(cvmIds(20_300).slice(20_000));
    await s.waitForBatch(warmUp, 30_000);
    await s.admin("POST", "/stats/reset");
    const batchId = await s.submit(cvmIds(20_000));
    const summary = await s.waitForBatch(batchId, 60_000);
    expect(summary).toMatchObject({ Status: "SUCCEEDED", ChunkCount: 200 });
    const stats = await s.admin("GET", "/stats");
    expect(stats.calls.CreateInvoker, `simulator's longest stall ${stats.eventLoopDelayMaxMs} ms`).toEqual({
      Success: 200,
    });
    const window = Object.entries(stats.windows).find(([key]) => key.startsWith("CreateInvoker|"))?.[1];
    expect(window?.maxArrivalsIn1000ms).toBeLessThanOrEqual(20);
    // Calls are paced one interval apart from the first: 199 intervals between 200 calls.
    const seconds = ((window?.lastAcceptedAt ?? 0) - (window?.firstAcceptedAt ?? 0)) / 1000;
    const ratio = (200 - 1) / seconds / 20;
    expect(ratio).toBeGreaterThanOrEqual(0.95);
    expect(stats.duplicates).toBe(0);
  }, 90_000);
});

describe("worker process signals", () => {
  it("SIGTERM during a slow call lets it finish SUCCEEDED, then exits 0", async () => {
    stack = await startStack();
    const s = stack;
    await s.admin("POST", "/faults/script", { action: "CreateInvoker", fault: "slow", delayMs: 2000 });
    const worker = await spawn(s);
    const batchId = await s.submit(cvmIds(50));
    await waitFor(
      "the call to start",
      async () => (await s.store.reads.summary(batchId))?.Counts.Running === 1,
    );
    const code = await worker.stop("SIGTERM");
    expect(code).toBe(0);
    expect(await s.store.reads.summary(batchId)).toMatchObject({
      Status: "SUCCEEDED",
      Counts: { Succeeded: 1 },
    });
    expect((await s.admin("GET", "/stats")).invokers).toBe(1);
  }, 30_000);

  it("SIGKILL in the middle of splitting a chunk: the rescuer adopts the hung part's invoker and isolates the rest", async () => {
    stack = await startStack();
    const s = stack;
    const ids = cvmIds(16);
    await s.admin("POST", "/agents", { InstanceIds: [ids[3]], AgentStatus: "Vanished" });
    // Calls 1-3 fail on the vanished instance (16, its 8, its 4); call 4, the pair without it, is
    // created at TAT and never answered.
    await s.admin("POST", "/faults/script", { action: "CreateInvoker", fault: "slow", count: 3 });
    await s.admin("POST", "/faults/script", { action: "CreateInvoker", fault: "hang-after" });
    const doomed = await spawn(s);
    const batchId = await s.submit(ids);
    await waitFor(
      "the hung call",
      async () => (await s.admin("GET", "/stats")).calls.CreateInvoker?.Timeout === 1,
    );
    await doomed.stop("SIGKILL");
    const rescuer = await spawn(s);
    expect(await s.waitForBatch(batchId, 30_000)).toMatchObject({ Instances: { Succeeded: 15, Failed: 1 } });
    const stats = await s.admin("GET", "/stats");
    expect(stats.duplicates).toBe(0);
    const held = (await s.admin<{ invokers: Array<{ InstanceIds: string[] }> }>("GET", "/invokers")).invokers;
    expect(held.flatMap((i) => i.InstanceIds).sort()).toEqual(ids.filter((id) => id !== ids[3]).sort());
    // The hung call's invoker at least; another chunk whose answer the kill cut off is adopted too.
    expect(await scrapeCounter(rescuer.ready, "tat_bulk_invokers_adopted_total")).toBeGreaterThanOrEqual(1);
  }, 45_000);

  it("SIGKILL while TAT holds an already-created call loses no chunk, duplicates none, and counts an adoption", async () => {
    stack = await startStack();
    const s = stack;
    await s.admin("POST", "/faults/script", { action: "CreateInvoker", fault: "hang-after" });
    const doomed = await spawn(s);
    const batchId = await s.submit(cvmIds(250));
    // The first chunk's invoker exists at TAT, and its answer never comes.
    await waitFor(
      "the hung call",
      async () => (await s.admin("GET", "/stats")).calls.CreateInvoker?.Timeout === 1,
    );
    await doomed.stop("SIGKILL");
    const started = Date.now();
    const rescuer = await spawn(s);
    const summary = await s.waitForBatch(batchId, 30_000);
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(summary).toMatchObject({ Status: "SUCCEEDED", Counts: { Succeeded: 3 } });
    const stats = await s.admin("GET", "/stats");
    expect(stats.invokers).toBe(3);
    expect(stats.duplicates).toBe(0);
    // The hung call's invoker at least; a chunk whose call the kill cut off after TAT made its
    // invoker (the doomed worker sent it just before) is adopted too.
    expect(await scrapeCounter(rescuer.ready, "tat_bulk_invokers_adopted_total")).toBeGreaterThanOrEqual(1);
  }, 45_000);
});
