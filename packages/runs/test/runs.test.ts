import { randomBytes } from "node:crypto";
import { connectTestRedis } from "@tat-bulk/test-support";
import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { maskOutput, showGroups } from "../src/failure-groups.js";
import { RunDetails } from "../src/run-details.js";
import { RunReads } from "../src/run-reads.js";
import { RunStore } from "../src/run-store.js";

let redis: Redis;
let close: () => Promise<void>;
beforeAll(async () => ({ redis, close } = await connectTestRedis()));
afterAll(() => close());

const ids = (n: number, offset = 0) =>
  Array.from({ length: n }, (_, i) => `ins-${(i + offset).toString(36).padStart(8, "0")}`);
const fresh = () => {
  const ns = `runs-${randomBytes(4).toString("hex")}`;
  return {
    store: new RunStore(redis, ns),
    details: new RunDetails(redis, ns),
    reads: new RunReads(redis, ns),
    batchId: "bat-0123456789abcdef",
  };
};
const T = Date.parse("2027-01-01T00:00:00Z");

describe("a scheduled run", () => {
  it("starts with every instance of the invokers pending, each invoker awaiting its record, once", async () => {
    const { store, reads, batchId } = fresh();
    const invokers = [
      { invokerId: "ivk-aaaaaaaa", instanceIds: ids(100) },
      { invokerId: "ivk-bbbbbbbb", instanceIds: ids(50, 100) },
    ];
    expect(await store.createScheduled(batchId, T, invokers)).toEqual({
      runId: "20270101T000000Z",
      created: true,
    });
    expect(await store.createScheduled(batchId, T, invokers)).toMatchObject({ created: false });
    expect(await reads.get(batchId, "20270101T000000Z")).toMatchObject({
      Status: "PENDING",
      Source: "INVOKER",
      ScheduledAt: "2027-01-01T00:00:00.000Z",
      Instances: { Succeeded: 0, Failed: 0, Cancelled: 0, Pending: 150, NotFired: 0 },
      TaskStatuses: { PENDING: 150 },
      FailureGroups: [],
    });
    expect((await store.awaiting(batchId, "20270101T000000Z")).sort()).toEqual([
      "ivk-aaaaaaaa",
      "ivk-bbbbbbbb",
    ]);
    expect(await reads.last(batchId, "20270101T000000Z")).toMatchObject({
      RunId: "20270101T000000Z",
      Status: "PENDING",
    });
  });

  it("moves tasks and counters together, never back from a final status, and ends once nothing is left", async () => {
    const { store, details, reads, batchId } = fresh();
    const runId = (
      await store.createScheduled(batchId, T, [{ invokerId: "ivk-aaaaaaaa", instanceIds: ids(4) }])
    ).runId;
    await store.fired(batchId, runId, [{ invokerId: "ivk-aaaaaaaa", invocationId: "inv-11111111" }]);
    const task = (i: number, status: string) => ({
      instanceId: ids(4)[i] ?? "",
      status: status as "SUCCESS",
      invocationId: "inv-11111111",
      taskId: `invt-0000000${i}`,
    });
    expect(await store.applyTasks(batchId, runId, [task(0, "RUNNING"), task(1, "RUNNING")])).toEqual(
      new Map(),
    );
    const reached = await store.applyTasks(batchId, runId, [
      task(0, "SUCCESS"),
      task(1, "FAILED"),
      task(2, "TIMEOUT"),
      task(3, "SUCCESS"),
    ]);
    expect(reached).toEqual(
      new Map([
        ["SUCCESS", 2],
        ["FAILED", 1],
        ["TIMEOUT", 1],
      ]),
    );
    // A stale read that says RUNNING changes nothing.
    await store.applyTasks(batchId, runId, [task(0, "RUNNING")]);
    expect(await reads.get(batchId, runId)).toMatchObject({
      Status: "RUNNING",
      Instances: { Succeeded: 2, Failed: 2, Pending: 0 },
      TaskStatuses: { SUCCESS: 2, FAILED: 1, TIMEOUT: 1 },
    });
    // Still running: the invocation is followed, and the failures' details are due.
    expect(await store.finish(batchId, runId)).toBeUndefined();
    await store.invocationsEnded(batchId, runId, [
      {
        invocationId: "inv-11111111",
        detailsDue: [{ taskId: "invt-00000001", instanceId: ids(4)[1] ?? "" }],
        startMs: T + 1000,
        endMs: T + 5000,
      },
    ]);
    expect(await store.finish(batchId, runId)).toBeUndefined();
    await details.store(batchId, runId, [
      {
        taskId: "invt-00000001",
        instanceId: ids(4)[1] ?? "",
        status: "FAILED",
        detail: {
          ExitCode: 1,
          Output: "boom",
          Dropped: 0,
          OutputUrl: null,
          ErrorInfo: null,
          StartTime: null,
          EndTime: null,
        },
      },
    ]);
    expect(await store.finish(batchId, runId)).toBe("PARTIALLY_FAILED");
    expect(await store.finish(batchId, runId)).toBeUndefined();
    const run = await reads.get(batchId, runId);
    expect(run).toMatchObject({
      Status: "PARTIALLY_FAILED",
      FirstStartedAt: new Date(T + 1000).toISOString(),
    });
    expect(run?.FailureGroups).toEqual([
      { TaskStatus: "FAILED", ExitCode: 1, OutputSample: "boom", Count: 1 },
    ]);
    const page = await reads.instances(batchId, runId, ["FAILED", "TIMEOUT"], 0, 10);
    expect(page).toMatchObject({
      total: 2,
      items: [
        { InstanceId: ids(4)[1], TaskStatus: "FAILED", ExitCode: 1, Output: "boom" },
        { InstanceId: ids(4)[2], TaskStatus: "TIMEOUT" },
      ],
    });
  });

  it("ends the instances of an invoker that did not fire NOT_FIRED", async () => {
    const { store, reads, batchId } = fresh();
    const runId = (
      await store.createScheduled(batchId, T, [{ invokerId: "ivk-aaaaaaaa", instanceIds: ids(3) }])
    ).runId;
    expect(await store.notFired(batchId, runId, ["ivk-aaaaaaaa"])).toEqual(new Map([["NOT_FIRED", 3]]));
    expect(await store.finish(batchId, runId)).toBe("FAILED");
    expect(await reads.get(batchId, runId)).toMatchObject({ Instances: { NotFired: 3, Pending: 0 } });
  });
});

describe("failure groups", () => {
  it("mask what names one instance or moment, and tell groups apart by the line they differ in", () => {
    const out = (id: string, ip: string, req: string) =>
      `Running on ${id} (${ip})\nerror: disk /dev/vda1 is full on ${id} (request ${req})\n`;
    expect(maskOutput(out("ins-00000001", "10.1.2.3", "0a1b2c3d4e5f6a7b"), "ins-00000001")).toBe(
      maskOutput(out("ins-00000002", "10.9.8.7", "ffffeeeeddddcccc"), "ins-00000002"),
    );
    const groups = showGroups([
      {
        TaskStatus: "FAILED",
        ExitCode: 1,
        Masked: "Running on <instance> (<ip>)\nerror: disk full\n",
        Count: 30,
      },
      {
        TaskStatus: "FAILED",
        ExitCode: 7,
        Masked: "Running on <instance> (<ip>)\nerror: mirror unreachable\n",
        Count: 50,
      },
    ]);
    expect(groups.map((g) => [g.ExitCode, g.OutputSample, g.Count])).toEqual([
      [7, "error: mirror unreachable", 50],
      [1, "error: disk full", 30],
    ]);
  });
});
