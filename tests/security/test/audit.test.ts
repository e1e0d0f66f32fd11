import { Agent, request } from "node:http";
import { connect } from "node:net";
import type { AuditEntry } from "@tat-bulk/callers";
import {
  cvmIds,
  intakeCaller,
  type ProcessStack,
  sampleBatch,
  startProcessStack,
} from "@tat-bulk/test-support";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KEYS, securityCallersFile } from "./security-harness.js";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * `total` GETs with this key from the address `from` (another loopback address than the test's
 * own, which the intake then blocks), `concurrency` at a time; answers how many got each status.
 */
async function flood(url: string, key: string, total: number, from: string, concurrency = 32) {
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const statuses = new Map<number, number>();
  const get = () =>
    new Promise<number>((resolve, reject) => {
      const headers = { authorization: `Bearer ${key}` };
      const req = request(url, { agent, localAddress: from, headers }, (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode ?? 0));
      });
      req.on("error", reject);
      req.end();
    });
  let sent = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (sent < total) {
        sent++;
        const status = await get();
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
      }
    }),
  );
  agent.destroy();
  return statuses;
}

let stack: ProcessStack;
beforeAll(async () => {
  stack = await startProcessStack({
    name: "security-audit",
    intakeEnv: {
      INTAKE_CALLERS_FILE: securityCallersFile(),
      AUDIT_COUNT_WINDOW_MS: "1000",
      INTAKE_BODY_LIMIT: "64kb",
    },
    workerEnv: false,
  });
});
afterAll(() => stack.close());

const admin = () => intakeCaller(stack.intake.ready, KEYS.admin);
const auditOf = async (query: string) =>
  await admin().get<{ Entries: AuditEntry[]; NextBefore: string | null }>(`/v1/audit?${query}`);

/** Sends a request and closes the connection at once, never reading the answer. */
function sendAndHangUp(method: string, path: string, key: string): Promise<void> {
  const { hostname, port } = new URL(stack.intake.ready);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => {
      socket.end(
        `${method} ${path} HTTP/1.1\r\nHost: ${hostname}\r\nAuthorization: Bearer ${key}\r\nContent-Length: 0\r\n\r\n`,
      );
      socket.destroy();
      resolve();
    });
    socket.on("error", reject);
  });
}

describe("the audit trail, attacked", () => {
  it("records a cancel that deletes invokers even when the client hangs up at once: intent before, outcome after", async () => {
    const api = intakeCaller(stack.intake.ready, KEYS.ordinary);
    const { BatchId } = await api.post<{ BatchId: string }>("/v1/invoker-batches", sampleBatch(cvmIds(200)));
    await sendAndHangUp("DELETE", `/v1/invoker-batches/${BatchId}?invokers=delete`, KEYS.ordinary);
    let entries: AuditEntry[] = [];
    for (let i = 0; i < 50 && entries.length < 2; i++) {
      await sleep(100);
      entries = (await auditOf(`batchId=${BatchId}`)).Entries.filter((e) => e.Action === "cancel");
    }
    expect(entries.map((e) => [e.Caller, e.Outcome, e.Status])).toEqual([
      ["ordinary", "ok", 200],
      ["ordinary", "started", null],
    ]);
    expect(entries[1]?.Details).toEqual({ Invokers: "delete", Applied: "delete" });
    expect((await api.get<{ Status: string }>(`/v1/invoker-batches/${BatchId}?chunkLimit=0`)).Status).toBe(
      "CANCELLED",
    );
  });

  it("leaves a few entries for 20,000 refused keys from one address, and the admin still pages back to an action before them", async () => {
    const api = intakeCaller(stack.intake.ready, KEYS.ordinary);
    const { BatchId } = await api.post<{ BatchId: string }>(
      "/v1/invoker-batches",
      sampleBatch(cvmIds(100, 1000)),
    );
    await sleep(1100);
    const redis = new Redis(stack.redis.url);
    const auditKey = "tat-bulk:{security-audit}:audit";
    const before = await redis.xlen(auditKey);
    const statuses = await flood(
      `${stack.intake.ready}/v1/invoker-batches`,
      "not-a-key-0123456789abcdef",
      20_000,
      "127.0.0.2",
    );
    expect([...statuses.keys()].sort()).toEqual([401, 429]);
    await sleep(2500);
    const added = (await redis.xlen(auditKey)) - before;
    redis.disconnect();
    expect(added).toBeLessThan(100);
    // What was counted: the first refusals 401, then the address answered 429 before its key was read.
    const counted = (await auditOf("caller=unauthenticated&limit=1000")).Entries.filter((e) =>
      e.Source.endsWith("127.0.0.2"),
    );
    const total = counted.reduce((n, e) => n + e.Count, 0);
    expect(total).toBeGreaterThanOrEqual(20_000);
    expect(counted.some((e) => e.Status === 429)).toBe(true);
    // Paging from the newest entry reaches the submit from before the flood.
    let before_: string | null = null;
    let found: AuditEntry | undefined;
    for (let pages = 0; pages < 50 && !found; pages++) {
      const page = await auditOf(`limit=10${before_ ? `&before=${before_}` : ""}`);
      found = page.Entries.find((e) => e.BatchId === BatchId && e.Action === "submit" && e.Outcome === "ok");
      before_ = page.NextBefore;
      if (!before_) break;
    }
    expect(found).toMatchObject({ Caller: "ordinary", Status: 202 });
  });

  it("records refusals: a 404 probe of another caller's batch, a 400 body, a 413 body", async () => {
    const owner = intakeCaller(stack.intake.ready, KEYS.ordinary);
    const { BatchId } = await owner.post<{ BatchId: string }>(
      "/v1/invoker-batches",
      sampleBatch(cvmIds(100, 2000)),
    );
    const prober = intakeCaller(stack.intake.ready, KEYS.limited);
    expect((await prober.call("DELETE", `/v1/invoker-batches/${BatchId}`)).status).toBe(404);
    const raw = (body: string) =>
      fetch(`${stack.intake.ready}/v1/invoker-batches`, {
        method: "POST",
        headers: { authorization: `Bearer ${KEYS.limited}`, "content-type": "application/json" },
        body,
      });
    expect((await raw("{not json")).status).toBe(400);
    expect((await raw(JSON.stringify(sampleBatch(cvmIds(10_000))))).status).toBe(413);
    await sleep(300);
    const mine = (await auditOf("caller=limited&limit=20")).Entries;
    expect(mine.map((e) => [e.Action, e.BatchId, e.Outcome, e.Status, e.Code])).toEqual(
      expect.arrayContaining([
        ["cancel", BatchId, "refused", 404, "ResourceNotFound"],
        ["submit", null, "failed", 400, "InvalidParameter"],
        ["submit", null, "refused", 413, "RequestSizeLimitExceeded"],
      ]),
    );
  });
});
