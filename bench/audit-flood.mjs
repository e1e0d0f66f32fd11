// npm run bench:audit-flood — BENCH_FLOOD_REQUESTS (100,000) requests with a refused key from one
// address against a real intake with its default audit settings, after one ordinary action; then
// how many audit entries the flood left, and whether an admin paging back from the newest entry
// still reaches the action from before it.
import { createHash } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { Agent, request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cvmIds, intakeCaller, sampleBatch, startTestRedis } from "@tat-bulk/test-support";
import { Redis } from "ioredis";
import { printTable, startIntake } from "./lib.mjs";

const TOTAL = Number(process.env.BENCH_FLOOD_REQUESTS ?? 100_000);
const KEYS = { ops: "bench-ops-key-0123456789abcdef", deploy: "bench-deploy-key-0123456789abcd" };
const sha = (key) => createHash("sha256").update(key).digest("hex");
const dir = mkdtempSync(join(tmpdir(), "tat-bulk-bench-audit-"));
const callersFile = join(dir, "callers.json");
const anything = { AllowedCommandIds: ["*"], AllowedRegions: ["*"], AllowedAccounts: ["*"] };
writeFileSync(
  callersFile,
  JSON.stringify([
    { Name: "ops", KeySha256: sha(KEYS.ops), Scopes: ["admin"], ...anything },
    { Name: "deploy", KeySha256: sha(KEYS.deploy), Scopes: ["batches:write", "batches:read"], ...anything },
  ]),
);
const redis = await startTestRedis();
const intake = await startIntake({
  REDIS_URL: redis.url,
  INTAKE_CALLERS_FILE: callersFile,
  QUEUE_NAME: "bench-audit",
});
const client = new Redis(redis.url);
const auditKey = "tat-bulk:{bench-audit}:audit";

const { BatchId } = await intakeCaller(intake.ready, KEYS.deploy).post(
  "/v1/invoker-batches",
  sampleBatch(cvmIds(100)),
);
const before = await client.xlen(auditKey);

// The flood comes from 127.0.0.2, so the admin (127.0.0.1) is not behind the same address.
const agent = new Agent({ keepAlive: true, maxSockets: 64 });
const statuses = new Map();
const get = () =>
  new Promise((resolve, reject) => {
    const req = request(
      `${intake.ready}/v1/invoker-batches`,
      { agent, localAddress: "127.0.0.2", headers: { authorization: "Bearer not-a-key-0123456789abcdef" } },
      (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode));
      },
    );
    req.on("error", reject);
    req.end();
  });
const started = performance.now();
let sent = 0;
await Promise.all(
  Array.from({ length: 64 }, async () => {
    while (sent < TOTAL) {
      sent++;
      const status = await get();
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
    }
  }),
);
const floodSeconds = (performance.now() - started) / 1000;
agent.destroy();
// Counted entries are written once their minute is over.
const windowEnd = 60_000 - (Date.now() % 60_000);
await new Promise((resolve) => setTimeout(resolve, windowEnd + 6000));
const added = (await client.xlen(auditKey)) - before;

const admin = intakeCaller(intake.ready, KEYS.ops);
let cursor = null;
let pages = 0;
let found;
while (!found && pages < 1000) {
  const page = await admin.get(`/v1/audit?limit=100${cursor ? `&before=${cursor}` : ""}`);
  pages++;
  found = page.Entries.find((e) => e.BatchId === BatchId && e.Action === "submit" && e.Outcome === "ok");
  cursor = page.NextBefore;
  if (!cursor) break;
}
const counted = (await admin.get("/v1/audit?caller=unauthenticated&limit=1000")).Entries.reduce(
  (n, e) => n + e.Count,
  0,
);
printTable(
  ["measure", "value"],
  [
    [
      "refused-key requests from one address",
      `${TOTAL} in ${floodSeconds.toFixed(1)} s (${Math.round(TOTAL / floodSeconds)}/s)`,
    ],
    ["answers", [...statuses].map(([s, n]) => `${n} × ${s}`).join(", ")],
    ["audit entries they left", String(added)],
    ["requests those entries count", String(counted)],
    [
      "the submit from before the flood, paging 100 at a time",
      found ? `reached on page ${pages}` : "NOT reached",
    ],
  ],
);
client.disconnect();
await intake.stop();
await redis.close();
process.exit(found && added < 300 ? 0 : 1);
