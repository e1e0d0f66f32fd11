import {
  cvmIds,
  intakeCaller,
  type ProcessStack,
  sampleBatch,
  startProcessStack,
} from "@tat-bulk/test-support";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const KEY = "retention-test-key-0123456789abcdef";
const RETENTION_S = 8;
let stack: ProcessStack;
let redis: Redis;
beforeAll(async () => {
  stack = await startProcessStack({
    name: "retention-e2e",
    intakeEnv: {
      INTAKE_API_KEYS: KEY,
      INTAKE_CALLER_REQUESTS_PER_SECOND: "1000",
      BATCH_RETENTION: `${RETENTION_S}s`,
    },
    workerEnv: {
      BATCH_RETENTION: `${RETENTION_S}s`,
      RECONCILE_INTERVAL_MS: "500",
      RETENTION_SWEEP_INTERVAL_MS: "500",
      RUN_POLL_MS: "300",
    },
  });
  redis = new Redis(stack.redis.url);
});
afterAll(async () => {
  redis?.disconnect();
  await stack?.close();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const inSeconds = (s: number) =>
  new Date(Math.ceil((Date.now() + s * 1000) / 1000) * 1000).toISOString().replace(/\.000Z$/, "Z");

/**
 * One per queue (its job counter, settings, events) or per TAT action (its circuit breaker): made
 * by the first use, whatever the batch, and kept.
 */
const SERVICE_KEY = /^bull:\{[^}]+\}:[^:]+:(id|meta|events|stalled-check|marker)$|^tat-bulk:\{breakers\}:/;
/** A caller's batches in flight: its quota prunes the finished ones lazily, at its next submit (checked apart). */
const QUOTA_KEY = /:caller:[^:]+:open$/;

/** Keys that stay until deleted (a TTL'd key, a rate limiter's window, goes by itself), but the service's own. */
async function persistentKeys(): Promise<string[]> {
  const keys = (await redis.keys("*")).filter((k) => !SERVICE_KEY.test(k) && !QUOTA_KEY.test(k));
  const ttls = await Promise.all(keys.map((k) => redis.pttl(k)));
  return keys.filter((_k, i) => ttls[i] === -1).sort();
}

async function until<T>(what: string, read: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(250);
  }
}

interface Status {
  Status: string;
  ExpiresAt: string | null;
  FinishedAt: string | null;
  InvokerAction: { DoneAt: string | null } | null;
  LastRun: { Status: string } | null;
}

describe("retention of seconds, through real processes", () => {
  it("removes finished batches and everything under them, keeps the unfinished, exports before expiry", async () => {
    const api = intakeCaller(stack.intake.ready, KEY);
    const status = (id: string) => api.call<Status>("GET", `/v1/invoker-batches/${id}?chunkLimit=0`);

    // A live schedule (RECURRENCE, invokers enabled) is never finished: it stays. Its finished
    // jobs go after the retention like everyone's; what is left then is the baseline.
    const live = (await api.post<{ BatchId: string }>("/v1/invoker-batches", sampleBatch(cvmIds(250))))
      .BatchId;
    await api.waitForBatch(live);
    await sleep((RETENTION_S + 2) * 1000);
    const baseline = await persistentKeys();

    // A ONCE batch that fires and is followed to its run's end, with an idempotency key; a
    // recurring batch whose invokers are then deleted; one purged early.
    const onceRes = await fetch(`${stack.intake.ready}/v1/invoker-batches`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${KEY}`,
        "content-type": "application/json",
        "idempotency-key": "once-1",
      },
      body: JSON.stringify({
        ...sampleBatch(cvmIds(300, 1000)),
        ScheduleSettings: { Policy: "ONCE", InvokeTime: inSeconds(3) },
      }),
    });
    expect(onceRes.status).toBe(202);
    const once = ((await onceRes.json()) as { BatchId: string }).BatchId;
    const deleted = (
      await api.post<{ BatchId: string }>("/v1/invoker-batches", sampleBatch(cvmIds(120, 2000)))
    ).BatchId;
    const early = (await api.post<{ BatchId: string }>("/v1/invoker-batches", sampleBatch(cvmIds(80, 3000))))
      .BatchId;
    for (const id of [once, deleted, early]) await api.waitForBatch(id);
    await api.post(`/v1/invoker-batches/${deleted}/delete-invokers`, {});

    // Finished but live, and not finished: neither is purged early.
    const refused = await api.call<{ Error: { Code: string; Message: string } }>(
      "DELETE",
      `/v1/invoker-batches/${live}?purge=true`,
    );
    expect([refused.status, refused.body.Error.Code]).toEqual([409, "FailedOperation.BatchNotFinished"]);
    expect(refused.body.Error.Message).toContain("fire again");
    // A finished batch with a live schedule can be purged only once its invokers stop: this one's are disabled.
    await api.post(`/v1/invoker-batches/${early}/disable`, {});
    await until(
      "the early batch's invokers disabled",
      async () => {
        const s = await status(early);
        return s.body.InvokerAction?.DoneAt ? true : undefined;
      },
      30_000,
    );
    // The action's completion is an event in the outbox for a moment (a mover turns it into a
    // delivery every 250 ms): until it leaves, the batch is not finished, and says so.
    const purged = await until(
      "the early batch purged",
      async () => {
        const answer = await api.call<{ Purged?: boolean; Error?: { Message: string } }>(
          "DELETE",
          `/v1/invoker-batches/${early}?purge=true`,
        );
        if (
          answer.status === 409 &&
          answer.body.Error?.Message.includes("webhooks are still being delivered")
        )
          return undefined;
        return answer;
      },
      10_000,
    );
    expect([purged.status, purged.body.Purged, purged.body.Error]).toEqual([200, true, undefined]);
    expect((await status(early)).status).toBe(404);

    // The ONCE batch's run ends; before its expiry, its export has every instance and every task.
    const ran = await until(
      "the ONCE batch's run to end",
      async () => {
        const s = await status(once);
        return s.body.LastRun && !["PENDING", "RUNNING"].includes(s.body.LastRun.Status) ? s.body : undefined;
      },
      60_000,
    );
    // Not expired yet: unstamped, or (the sweep runs every 500 ms) stamped to expire later.
    expect(ran.ExpiresAt === null || Date.parse(ran.ExpiresAt) > Date.now()).toBe(true);
    const exported = await fetch(`${stack.intake.ready}/v1/invoker-batches/${once}/export`, {
      headers: { authorization: `Bearer ${KEY}` },
    });
    expect(exported.headers.get("content-type")).toContain("application/x-ndjson");
    const lines = (await exported.text())
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as { Type: string; [k: string]: unknown });
    const count = (type: string) => lines.filter((l) => l.Type === type).length;
    expect(lines[0]).toMatchObject({ Type: "batch", Batch: { BatchId: once, InstanceCount: 300 } });
    expect([count("chunk"), count("instance"), count("run"), count("run-instance")]).toEqual([
      3, 300, 1, 300,
    ]);
    expect(lines.at(-1)).toEqual({ Type: "end", Chunks: 3, Instances: 300, Runs: 1, RunInstances: 300 });

    // Both get an expiry once finished (the deleted one once its invokers are gone), then go.
    const stamped = await until(
      "both finished batches stamped",
      async () => {
        const [a, b] = await Promise.all([status(once), status(deleted)]);
        return a.body.ExpiresAt && b.body.ExpiresAt ? [a.body, b.body] : undefined;
      },
      30_000,
    );
    for (const s of stamped) {
      const left = Date.parse(s.ExpiresAt ?? "") - Date.now();
      expect(left).toBeGreaterThan(0);
      expect(left).toBeLessThanOrEqual(RETENTION_S * 1000);
    }
    const list = await api.get<{ Batches: Array<{ BatchId: string; ExpiresAt: string | null }> }>(
      "/v1/invoker-batches",
    );
    expect(list.Batches.find((b) => b.BatchId === once)?.ExpiresAt).toBe(stamped[0]?.ExpiresAt);
    await until(
      "both expired",
      async () => {
        const [a, b] = await Promise.all([status(once), status(deleted)]);
        return a.status === 404 && b.status === 404 ? true : undefined;
      },
      (RETENTION_S + 15) * 1000,
    );

    // Everything under them went too: chunks, instances, runs, jobs, the idempotency key.
    const left = await until(
      "Redis back to its baseline",
      async () => {
        const keys = await persistentKeys();
        return keys.join() === baseline.join() ? keys : undefined;
      },
      15_000,
    ).catch(async () => persistentKeys());
    expect(left.filter((k) => !baseline.includes(k))).toEqual([]);
    expect(left).toEqual(baseline);
    const open = await Promise.all((await redis.keys("*:open")).map((k) => redis.zrange(k, 0, -1)));
    expect(open.flat().filter((id) => [once, deleted, early].includes(id))).toEqual([]);
    // The live batch is untouched.
    expect((await status(live)).body).toMatchObject({ Status: "SUCCEEDED", ExpiresAt: null });
    // Its key answers a new batch now (the old one is gone with its key).
    const again = await fetch(`${stack.intake.ready}/v1/invoker-batches`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${KEY}`,
        "content-type": "application/json",
        "idempotency-key": "once-1",
      },
      body: JSON.stringify(sampleBatch(cvmIds(10, 5000))),
    });
    expect(again.status).toBe(202);
  }, 180_000);

  it("gives a batch whose follower job was lost (a failover, a kill) its follower back, and its run", async () => {
    const api = intakeCaller(stack.intake.ready, KEY);
    const { BatchId } = await api.post<{ BatchId: string }>("/v1/invoker-batches", {
      ...sampleBatch(cvmIds(50, 9000)),
      ScheduleSettings: { Policy: "ONCE", InvokeTime: inSeconds(5) },
    });
    await api.waitForBatch(BatchId);
    // Gone from Redis as a write lost to a failover would be: its hash and its place in any state.
    const runs = "bull:{retention-e2e}:retention-e2e-runs";
    const job = `follow-${BatchId}`;
    const removed = await redis
      .multi()
      .del(`${runs}:${job}`)
      .zrem(`${runs}:delayed`, job)
      .zrem(`${runs}:prioritized`, job)
      .lrem(`${runs}:wait`, 0, job)
      .lrem(`${runs}:active`, 0, job)
      .exec();
    expect(removed?.[0]?.[1]).toBe(1);
    const ran = await until(
      "the run of the batch that lost its follower to end",
      async () => {
        const s = await api.call<Status>("GET", `/v1/invoker-batches/${BatchId}?chunkLimit=0`);
        return s.body.LastRun && !["PENDING", "RUNNING"].includes(s.body.LastRun.Status) ? s.body : undefined;
      },
      60_000,
    );
    expect(ran.LastRun?.Status).toBe("SUCCEEDED");
    const metrics = await (await fetch(`${stack.worker?.ready}/metrics`)).text();
    expect(metrics).toMatch(/tat_bulk_reconciler_repairs_total\{kind="follower"\} [1-9]/);
  }, 90_000);
});
