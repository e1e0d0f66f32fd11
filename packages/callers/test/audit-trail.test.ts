import { connectTestRedis } from "@tat-bulk/test-support";
import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AuditTally } from "../src/audit-tally.js";
import { AuditTrail, type NewAuditEntry } from "../src/audit-trail.js";

let redis: Redis;
let closeRedis: () => Promise<void>;
beforeAll(async () => ({ redis, close: closeRedis } = await connectTestRedis()));
afterAll(() => closeRedis());

const entry = (fields: Partial<NewAuditEntry>): NewAuditEntry => ({
  Caller: "deploy-bot",
  Action: "submit",
  BatchId: "bat-1",
  RequestId: "r",
  Source: "127.0.0.1",
  Outcome: "ok",
  Status: 202,
  Code: null,
  ...fields,
});
const trail = (key: string, maxEntries = 1_000_000) =>
  new AuditTrail(redis, key, { retentionMs: 3600_000, maxEntries });

describe("AuditTrail", () => {
  it("keeps appends made together in order, and reads entries written a field per value", async () => {
    const audit = trail("audit-forms");
    await redis.xadd(
      "audit-forms",
      "*",
      ...["caller", "old-bot", "action", "cancel", "batchId", "bat-9", "requestId", "r0", "source", "::1"],
      ...[
        "outcome",
        "ok",
        "status",
        "200",
        "code",
        "",
        "details",
        '{"Invokers":"keep"}',
        "count",
        "1",
        "since",
        "",
      ],
    );
    const ids = await Promise.all(
      ["r1", "r2", "r3"].map((RequestId) => audit.append(entry({ RequestId, Since: 1_700_000_000_000 }))),
    );
    expect([...ids].sort()).toEqual(ids);
    const { entries } = await audit.query({ limit: 10 });
    expect(entries.map((e) => e.RequestId)).toEqual(["r3", "r2", "r1", "r0"]);
    expect(entries[0]).toMatchObject({ Caller: "deploy-bot", Status: 202, Details: null, Count: 1 });
    expect(entries[0]?.Since).toBe(new Date(1_700_000_000_000).toISOString());
    expect(entries[3]).toMatchObject({
      Caller: "old-bot",
      Action: "cancel",
      BatchId: "bat-9",
      Status: 200,
      Code: null,
      Details: { Invokers: "keep" },
      Since: null,
    });
  });

  it("reads back newest first, filtered by caller, batch and time", async () => {
    const audit = trail("audit-read");
    await audit.append(
      entry({ RequestId: "1", Outcome: "started", Status: null, Details: { CommandId: "cmd-1" } }),
    );
    await audit.append(entry({ RequestId: "2", Caller: "other", BatchId: "bat-2" }));
    await new Promise((resolve) => setTimeout(resolve, 5));
    const since = Date.now();
    await new Promise((resolve) => setTimeout(resolve, 5));
    await audit.append(entry({ RequestId: "3", Action: "cancel", Status: 200 }));
    await audit.append(entry({ RequestId: "4", Outcome: "refused", Status: 404, Code: "ResourceNotFound" }));
    const ids = async (q: Parameters<AuditTrail["query"]>[0]) =>
      (await audit.query(q)).entries.map((e) => e.RequestId);
    expect(await ids({ limit: 10 })).toEqual(["4", "3", "2", "1"]);
    expect(await ids({ limit: 2 })).toEqual(["4", "3"]);
    expect(await ids({ limit: 10, caller: "other" })).toEqual(["2"]);
    expect(await ids({ limit: 10, batchId: "bat-1", since })).toEqual(["4", "3"]);
    const { entries } = await audit.query({ limit: 10 });
    expect(entries[0]).toEqual({
      Id: expect.stringMatching(/^\d+-\d+$/),
      Time: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      Caller: "deploy-bot",
      Action: "submit",
      BatchId: "bat-1",
      RequestId: "4",
      Source: "127.0.0.1",
      Outcome: "refused",
      Status: 404,
      Code: "ResourceNotFound",
      Details: null,
      Count: 1,
      Since: null,
    });
    expect(entries[3]).toMatchObject({ Outcome: "started", Status: null, Details: { CommandId: "cmd-1" } });
  });

  it("pages by cursor: every entry is reached however many came after it", async () => {
    const audit = trail("audit-pages");
    await audit.append(entry({ RequestId: "old-action", Action: "cancel" }));
    for (let i = 0; i < 2500; i += 500) {
      await audit.appendAll(
        Array.from({ length: 500 }, (_, j) => entry({ RequestId: `noise-${i + j}`, Caller: "x" })),
      );
    }
    const seen: string[] = [];
    let before: string | undefined;
    for (let pages = 0; pages < 10; pages++) {
      const page = await audit.query({ limit: 1000, ...(before ? { before } : {}) });
      seen.push(...page.entries.map((e) => e.RequestId ?? ""));
      before = page.next;
      if (!before) break;
    }
    expect(seen).toHaveLength(2501);
    expect(seen.at(-1)).toBe("old-action");
    // A filter that matches little answers where to go on rather than reading without end.
    const first = await audit.query({ limit: 10, caller: "deploy-bot" });
    expect(first.entries.map((e) => e.RequestId)).toEqual(["old-action"]);
  });

  it("keeps about maxEntries, and trims entries older than the retention", async () => {
    const capped = trail("audit-cap", 100);
    for (let i = 0; i < 10; i++) {
      await capped.appendAll(Array.from({ length: 100 }, () => entry({})));
    }
    // MAXLEN ~ trims whole macro-nodes (100 entries by default): a few more than asked may stay.
    expect(await redis.xlen("audit-cap")).toBeLessThanOrEqual(300);
    await redis.xadd("audit-trim", "0-1", "caller", "ancient");
    const aged = new AuditTrail(redis, "audit-trim", { retentionMs: 60_000, maxEntries: 1000 });
    await aged.append(entry({}));
    await redis.xtrim("audit-trim", "MINID", String(Date.now() - 60_000));
    expect((await aged.query({ limit: 10 })).entries.map((e) => e.Caller)).toEqual(["deploy-bot"]);
  });
});

describe("AuditTally", () => {
  it("counts alike requests once per kind and window, and writes a window once it is over", () => {
    const tally = new AuditTally(60_000);
    const read = {
      Caller: "a",
      Action: "read",
      BatchId: "bat-1",
      Source: "10.0.0.1",
      Outcome: "ok" as const,
      Status: 200,
      Code: null,
    };
    const t0 = 1_800_000_000_000;
    for (let i = 0; i < 1000; i++) tally.add(read, t0 + i);
    tally.add({ ...read, Status: 404, Outcome: "refused", Code: "ResourceNotFound" }, t0 + 5);
    tally.add(read, t0 + 60_000);
    expect(tally.take(t0 + 59_999)).toEqual([]);
    const written = tally.take(t0 + 60_001);
    expect(written).toEqual([
      { ...read, RequestId: null, Count: 1000, Since: t0 },
      {
        ...read,
        Status: 404,
        Outcome: "refused",
        Code: "ResourceNotFound",
        RequestId: null,
        Count: 1,
        Since: t0,
      },
    ]);
    expect(tally.take(t0 + 60_001)).toEqual([]);
    expect(tally.take(t0 + 60_001, true)).toEqual([
      { ...read, RequestId: null, Count: 1, Since: t0 + 60_000 },
    ]);
  });
});
