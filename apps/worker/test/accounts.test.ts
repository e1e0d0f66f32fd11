import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfigError } from "@tat-bulk/config";
import { createSimulator, loadSimConfig } from "@tat-bulk/tat-sim";
import { simAdmin } from "@tat-bulk/test-support";
import { fixture } from "@tat-bulk/test-support/fixture";
import { pino } from "pino";
import { afterAll, describe, expect, it } from "vitest";
import { createWorkerApp, type WorkerApp } from "../src/app.js";
import { loadWorkerConfig } from "../src/env.js";
import { loadAccounts } from "../src/tat-accounts.js";
import { cvmIds, SECRET_ID, SECRET_KEY, type SimStats, startStack } from "./worker-harness.js";

const OTHER = { id: "AKIDsecondaccount000000000000000", key: "second-account-secret-key-0000" };
const dir = mkdtempSync(join(tmpdir(), "tat-accounts-"));
const file = (name: string, body: unknown) => {
  const path = join(dir, name);
  writeFileSync(path, JSON.stringify(body));
  return path;
};

describe("TAT_ACCOUNTS_FILE", () => {
  it("reads accounts, a key from the variable SecretKeyEnv names, and their own rate limits", () => {
    const path = file("ok.json", [
      { Name: "main", SecretId: "AKIDmain", SecretKey: "k1" },
      { Name: "ops", SecretId: "AKIDops", SecretKeyEnv: "OPS_KEY", RateLimits: { CreateInvoker: 10 } },
    ]);
    const accounts = loadAccounts({ TAT_ACCOUNTS_FILE: path }, { OPS_KEY: "k2" });
    expect(accounts.map((a) => [a.name, a.secretKey, a.rateLimits.get("CreateInvoker")])).toEqual([
      ["main", "k1", undefined],
      ["ops", "k2", 10],
    ]);
  });

  it.each([
    [
      "a missing SecretKeyEnv variable",
      [{ Name: "a", SecretId: "x", SecretKeyEnv: "NOPE" }],
      /entry 0 \(a\): NOPE is not set/,
    ],
    [
      "both key forms",
      [{ Name: "a", SecretId: "x", SecretKey: "s3cr3t", SecretKeyEnv: "K" }],
      /entry 0: exactly one/,
    ],
    [
      "a name twice",
      [
        { Name: "a", SecretId: "x", SecretKey: "s3cr3t" },
        { Name: "a", SecretId: "y", SecretKey: "s3cr3t" },
      ],
      /entry 1: Name "a" appears twice/,
    ],
    ["an empty list", [], /lists no account/],
  ])("stops the worker at start on %s, naming the entry and never the secret", (_label, body, message) => {
    const load = () => loadAccounts({ TAT_ACCOUNTS_FILE: file("bad.json", body) }, {});
    expect(load).toThrow(ConfigError);
    expect(load).toThrow(message);
    try {
      load();
    } catch (error) {
      expect(String(error)).not.toContain("s3cr3t");
    }
  });

  it('takes the file or the TENCENTCLOUD_SECRET_ID/_KEY shorthand (the account "default"), not both', () => {
    expect(loadAccounts({ TENCENTCLOUD_SECRET_ID: "AKIDx", TENCENTCLOUD_SECRET_KEY: "k" }, {})[0]?.name).toBe(
      "default",
    );
    const path = file("one.json", [{ Name: "a", SecretId: "x", SecretKey: "k" }]);
    expect(() =>
      loadAccounts(
        { TAT_ACCOUNTS_FILE: path, TENCENTCLOUD_SECRET_ID: "AKIDx", TENCENTCLOUD_SECRET_KEY: "k" },
        {},
      ),
    ).toThrow(/not both/);
    expect(() => loadAccounts({}, {})).toThrow(/are required/);
  });
});

const stack = fixture(() =>
  startStack({
    simEnv: { TAT_SIM_CREDENTIALS: `${SECRET_ID}:${SECRET_KEY},${OTHER.id}:${OTHER.key}` },
  }),
);
const apps: WorkerApp[] = [];
afterAll(async () => {
  await Promise.all(apps.map((app) => app.close()));
});

/** A worker on its own queue with these settings instead of the harness's one-account shorthand. */
async function worker(settings: Record<string, string>, queue: string) {
  const env: Record<string, string> = stack().workerEnv({ QUEUE_NAME: queue, TAT_PREFLIGHT: "off" });
  delete env.TENCENTCLOUD_SECRET_ID;
  delete env.TENCENTCLOUD_SECRET_KEY;
  Object.assign(env, settings);
  const app = createWorkerApp(loadWorkerConfig({ ...env, OTHER_KEY: OTHER.key }), pino({ level: "silent" }));
  apps.push(app);
  await app.start();
  return app;
}

const accepted = (stats: SimStats, secretId: string) =>
  stats.windows[`CreateInvoker|${secretId}`]?.accepted ?? 0;

describe("several accounts and regional endpoints, with real workers and the simulator", () => {
  it("sends each batch with the account it names, counted apart; an unknown account fails the batch without a call", async () => {
    const s = stack();
    const queue = `${s.queueName}-accounts`;
    const store = s.storeFor(queue);
    const accounts = file("two.json", [
      { Name: "main", SecretId: SECRET_ID, SecretKey: SECRET_KEY },
      { Name: "second", SecretId: OTHER.id, SecretKeyEnv: "OTHER_KEY" },
    ]);
    const app = await worker({ TAT_ACCOUNTS_FILE: accounts, TAT_ENDPOINT: s.simUrl }, queue);
    await s.admin("POST", "/reset");
    const onMain = await s.submit(cvmIds(300), { Account: "main" }, store);
    const onSecond = await s.submit(cvmIds(200), { Account: "second" }, store);
    const unknown = await s.submit(cvmIds(200), { Account: "nobody" }, store);
    expect(await s.waitForBatch(onMain, 20_000, store)).toMatchObject({ Status: "SUCCEEDED" });
    expect(await s.waitForBatch(onSecond, 20_000, store)).toMatchObject({ Status: "SUCCEEDED" });
    expect(await s.waitForBatch(unknown, 20_000, store)).toMatchObject({
      Status: "FAILED",
      StopReason: { Code: "InvalidParameterValue.Account" },
    });
    const stats = await s.admin("GET", "/stats");
    expect(accepted(stats, SECRET_ID)).toBe(3);
    expect(accepted(stats, OTHER.id)).toBe(2);
    // The workers publish the account names the intake checks, and no secret reaches Redis or metrics.
    expect(await redisDump(s.redisUrl)).not.toMatch(new RegExp(`${SECRET_KEY}|${OTHER.key}|${OTHER.id}`));
    const metrics = await app.metrics.registry.metrics();
    expect(metrics).not.toContain(OTHER.id);
    expect(metrics).not.toContain(OTHER.key);
  });

  it("in the regional mode sends each batch to its Region's endpoint", async () => {
    const s = stack();
    const shanghai = createSimulator(loadSimConfig({ PORT: "0" }), pino({ level: "silent" }));
    const shanghaiUrl = await shanghai.listen(0, "127.0.0.1");
    try {
      const queue = `${s.queueName}-regional`;
      const store = s.storeFor(queue);
      await worker(
        {
          TENCENTCLOUD_SECRET_ID: SECRET_ID,
          TENCENTCLOUD_SECRET_KEY: SECRET_KEY,
          TAT_ENDPOINT_MODE: "regional",
          TAT_REGIONAL_ENDPOINTS: `ap-guangzhou=${s.simUrl},ap-shanghai=${shanghaiUrl}`,
        },
        queue,
      );
      await s.admin("POST", "/reset");
      const gz = await s.submit(cvmIds(200), { Region: "ap-guangzhou" }, store);
      const sh = await s.submit(cvmIds(300), { Region: "ap-shanghai" }, store);
      await s.waitForBatch(gz, 20_000, store);
      await s.waitForBatch(sh, 20_000, store);
      expect(accepted(await s.admin("GET", "/stats"), SECRET_ID)).toBe(2);
      expect(accepted(await simAdmin(shanghaiUrl)<SimStats>("GET", "/stats"), SECRET_ID)).toBe(3);
    } finally {
      await shanghai.close();
    }
  });
});

/** Every key and value in a Redis, as text (to look for what must never be there). */
async function redisDump(url: string): Promise<string> {
  const { Redis } = await import("ioredis");
  const redis = new Redis(url);
  try {
    const parts: string[] = [];
    for (const key of await redis.keys("*")) {
      const type = await redis.type(key);
      parts.push(key);
      if (type === "string") parts.push((await redis.get(key)) ?? "");
      if (type === "hash") parts.push(JSON.stringify(await redis.hgetall(key)));
      if (type === "list") parts.push(JSON.stringify(await redis.lrange(key, 0, -1)));
      if (type === "zset" || type === "set")
        parts.push(JSON.stringify(await redis.sort(key, "ALPHA").catch(() => [])));
    }
    return parts.join("\n");
  } finally {
    redis.disconnect();
  }
}
