import { describe, expect, it } from "vitest";
import { parseCommand } from "../src/args.js";
import { UsageError } from "../src/exit-codes.js";
import { parseInstances } from "../src/instances-file.js";
import type { BatchDetail } from "../src/intake-client.js";
import { progressLine } from "../src/progress.js";

const NOW = () => new Date("2026-11-28T10:00:00Z");

describe("parseCommand", () => {
  it("reads a full submit", () => {
    const command = parseCommand(
      [
        "submit",
        "--command",
        "cmd-m7uma92n",
        "--instances",
        "ids.txt",
        "--cron",
        "0 3 * * *",
        "--name",
        "nightly",
        "--username",
        "root",
        "--parameters",
        '{"v":"1"}',
        "--tag",
        "team=sre",
        "--tag",
        "env=a=b",
        "--region",
        "ap-singapore",
        "--idempotency-key",
        "k1",
        "--wait",
        "--json",
        "--url",
        "http://x:1",
        "--api-key",
        "secret",
      ],
      NOW,
    );
    expect(command).toEqual({
      name: "submit",
      connection: { url: "http://x:1", apiKey: "secret" },
      json: true,
      wait: true,
      instances: "ids.txt",
      idempotencyKey: "k1",
      request: {
        Name: "nightly",
        CommandId: "cmd-m7uma92n",
        ScheduleSettings: { Policy: "RECURRENCE", Recurrence: "0 3 * * *" },
        Username: "root",
        Parameters: '{"v":"1"}',
        Tags: [
          { Key: "team", Value: "sre" },
          { Key: "env", Value: "a=b" },
        ],
        Region: "ap-singapore",
      },
    });
  });

  it("defaults to a ONCE schedule left for submit to time, and a dated name", () => {
    const command = parseCommand(["submit", "--command", "cmd-m7uma92n", "--instances", "-"], NOW);
    expect(command).toMatchObject({
      request: { Name: "tat-bulk-20261128100000", ScheduleSettings: { Policy: "ONCE" } },
      wait: false,
      json: false,
    });
    const at = parseCommand(
      ["submit", "--command", "c", "--instances", "-", "--at", "2027-01-01T00:00:00Z"],
      NOW,
    );
    expect(at).toMatchObject({
      request: { ScheduleSettings: { Policy: "ONCE", InvokeTime: "2027-01-01T00:00:00Z" } },
    });
  });

  it("reads the commands that take one batch", () => {
    for (const name of ["failed", "retry"]) {
      expect(parseCommand([name, "bat-3"])).toEqual({
        name,
        connection: {},
        json: false,
        batchId: "bat-3",
        wait: false,
      });
    }
    expect(parseCommand(["retry", "bat-3", "--wait"])).toMatchObject({ name: "retry", wait: true });
    expect(parseCommand(["delete-invokers", "bat-3"])).toMatchObject({
      name: "delete-invokers",
      batchId: "bat-3",
    });
    expect(parseCommand(["cancel", "bat-3", "--invokers", "keep"])).toMatchObject({
      name: "cancel",
      invokers: "keep",
    });
    expect(() => parseCommand(["cancel", "bat-3", "--invokers", "burn"])).toThrow(/disable, delete or keep/);
  });

  it("reads runs, run and rerun", () => {
    expect(parseCommand(["runs", "bat-1"])).toMatchObject({ name: "runs", batchId: "bat-1" });
    expect(parseCommand(["run", "bat-1", "20270101T000000Z", "--failed"])).toMatchObject({
      name: "run",
      batchId: "bat-1",
      runId: "20270101T000000Z",
      failed: true,
    });
    expect(parseCommand(["rerun", "bat-1", "rerun-2", "--wait"])).toMatchObject({
      name: "rerun",
      runId: "rerun-2",
      wait: true,
    });
    expect(() => parseCommand(["run", "bat-1"])).toThrow("run takes BATCH_ID RUN_ID");
  });

  it("reads dead-letters and dead-letters retry", () => {
    expect(parseCommand(["dead-letters", "--json"])).toMatchObject({ name: "dead-letters", json: true });
    expect(parseCommand(["dead-letters", "retry", "runs", "follow-bat-1"])).toMatchObject({
      name: "dead-letters",
      retry: { queue: "runs", jobId: "follow-bat-1" },
    });
    expect(() => parseCommand(["dead-letters", "retry", "webhooks", "x"])).toThrow(
      "retry chunks|runs JOB_ID",
    );
  });

  it("reads status, list, cancel, demo and help", () => {
    expect(parseCommand(["status", "bat-1", "--wait"])).toEqual({
      name: "status",
      connection: {},
      json: false,
      batchId: "bat-1",
      wait: true,
    });
    expect(parseCommand(["list", "--limit", "5", "--offset", "10", "--json"])).toEqual({
      name: "list",
      connection: {},
      json: true,
      limit: 5,
      offset: 10,
    });
    expect(parseCommand(["cancel", "bat-2"])).toEqual({
      name: "cancel",
      connection: {},
      json: false,
      batchId: "bat-2",
      wait: false,
    });
    expect(parseCommand(["demo"])).toEqual({ name: "demo", connection: {}, json: false, count: 3000 });
    expect(parseCommand([])).toEqual({ name: "help" });
    expect(parseCommand(["list", "--help"])).toEqual({ name: "help" });
  });

  it.each([
    [["submit", "--instances", "f"], /--command/],
    [["submit", "--command", "c"], /--instances/],
    [["submit", "--command", "c", "--instances", "f", "--cron", "x", "--at", "y"], /cannot both/],
    [["submit", "--command", "c", "--instances", "f", "--tag", "novalue"], /key=value/],
    [["status"], /exactly one BATCH_ID/],
    [["cancel", "a", "b"], /exactly one BATCH_ID/],
    [["list", "--limit", "ten"], /whole number/],
    [["launch"], /unknown command/],
    [["list", "--bogus"], /bogus/],
  ])("refuses %j", (argv, message) => {
    expect(() => parseCommand(argv)).toThrow(UsageError);
    expect(() => parseCommand(argv)).toThrow(message);
  });
});

describe("parseInstances", () => {
  it("reads one ID per line, skipping blanks and comments", () => {
    expect(parseInstances("ins-aaaaaaaa\n\n# fleet B\nlhins-bbbbbbbb\r\nrins-cccccccc\n")).toEqual([
      "ins-aaaaaaaa",
      "lhins-bbbbbbbb",
      "rins-cccccccc",
    ]);
  });
  it("reads the first column of a CSV, skipping its header", () => {
    expect(parseInstances('InstanceId,Zone\n"ins-aaaaaaaa",ap-1\nins-bbbbbbbb,ap-2\n')).toEqual([
      "ins-aaaaaaaa",
      "ins-bbbbbbbb",
    ]);
  });
  it("reads a JSON array or an object with InstanceIds", () => {
    expect(parseInstances('["ins-aaaaaaaa","ins-bbbbbbbb"]')).toEqual(["ins-aaaaaaaa", "ins-bbbbbbbb"]);
    expect(parseInstances('{"InstanceIds":["ins-aaaaaaaa"]}')).toEqual(["ins-aaaaaaaa"]);
  });
  it("refuses JSON of the wrong shape", () => {
    expect(() => parseInstances("[1,2]")).toThrow(UsageError);
    expect(() => parseInstances("{oops")).toThrow(UsageError);
  });
});

/** A RUNNING batch's status with these chunk and instance counts (the rest zero). */
function running(
  chunkCount: number,
  counts: Partial<BatchDetail["Counts"]>,
  instances: Partial<BatchDetail["Instances"]>,
): BatchDetail {
  const zero = { Queued: 0, Running: 0, Succeeded: 0, PartiallyFailed: 0, Failed: 0, Cancelled: 0 };
  return {
    BatchId: "bat-1",
    Status: "RUNNING",
    ChunkCount: chunkCount,
    Counts: { ...zero, ...counts },
    Instances: { Succeeded: 0, Failed: 0, Pending: 0, Cancelled: 0, ...instances },
  } as BatchDetail;
}

describe("progressLine", () => {
  it("shows the bar, counts, rate and ETA", () => {
    const status = running(
      200,
      { Queued: 98, Running: 2, Succeeded: 90, PartiallyFailed: 5, Failed: 5 },
      {
        Succeeded: 9495,
        Failed: 505,
        Pending: 10_000,
      },
    );
    expect(progressLine(status, 20, 10)).toBe(
      "█████░░░░░ 100/200 chunks  instances ✓ 9495  ✗ 505  ⟳ 2  20.0 calls/s  ETA 5s",
    );
  });

  it("says when the batch waits for TAT instead of an ETA", () => {
    // The same clock for both ends: a millisecond between them would round the seconds up.
    const now = Date.now();
    const status = {
      ...running(10, { Queued: 10 }, { Pending: 1000 }),
      Paused: { Reason: "TAT unavailable", Since: new Date(now - 95_000).toISOString() },
    };
    expect(progressLine(status, 0, 10, now)).toBe(
      "░░░░░░░░░░ 0/10 chunks  instances ✓ 0  ✗ 0  ⟳ 0  PAUSED: TAT unavailable for 1m35s",
    );
  });
});
