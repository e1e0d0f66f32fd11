import { connectTestRedis } from "@tat-bulk/test-support";
import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
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

describe("AuditTrail", () => {
  it("reads back newest first, filtered by caller, batch and time", async () => {
    const trail = new AuditTrail(redis, "audit-read", 3600_000);
    await trail.append(entry({ RequestId: "1" }));
    await trail.append(entry({ RequestId: "2", Caller: "other", BatchId: "bat-2" }));
    await new Promise((resolve) => setTimeout(resolve, 5));
    const since = Date.now();
    await new Promise((resolve) => setTimeout(resolve, 5));
    await trail.append(entry({ RequestId: "3", Action: "cancel", Status: 200 }));
    await trail.append(entry({ RequestId: "4", Outcome: "refused", Status: 404, Code: "ResourceNotFound" }));
    const ids = async (q: Parameters<AuditTrail["query"]>[0]) =>
      (await trail.query(q)).map((e) => e.RequestId);
    expect(await ids({ limit: 10 })).toEqual(["4", "3", "2", "1"]);
    expect(await ids({ limit: 2 })).toEqual(["4", "3"]);
    expect(await ids({ limit: 10, caller: "other" })).toEqual(["2"]);
    expect(await ids({ limit: 10, batchId: "bat-1", since })).toEqual(["4", "3"]);
    const [latest] = await trail.query({ limit: 1 });
    expect(latest).toEqual({
      Time: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      Caller: "deploy-bot",
      Action: "submit",
      BatchId: "bat-1",
      RequestId: "4",
      Source: "127.0.0.1",
      Outcome: "refused",
      Status: 404,
      Code: "ResourceNotFound",
    });
  });

  it("trims entries older than the retention as new ones arrive", async () => {
    await redis.xadd("audit-trim", "0-1", "caller", "ancient");
    const trail = new AuditTrail(redis, "audit-trim", 60_000);
    await trail.append(entry({}));
    // MINID ~ trims whole macro-nodes; an exact trim shows the cut the same way.
    await redis.xtrim("audit-trim", "MINID", String(Date.now() - 60_000));
    expect((await trail.query({ limit: 10 })).map((e) => e.Caller)).toEqual(["deploy-bot"]);
  });
});
