import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { appCommand } from "@tat-bulk/config";
import {
  type ServiceProcess,
  spawnService,
  startOtlpReceiver,
  startTestRedis,
  type TestRedis,
} from "@tat-bulk/test-support";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const HOOK = fileURLToPath(new URL("./fixtures/record-loads.mjs", import.meta.url));
const OTEL = /@opentelemetry|bullmq-otel/;
const READY = { intake: /"url":"([^"]+)"/, worker: /"health":"([^"]+)"/ } as const;

let redis: TestRedis;
let tmp: string;
beforeAll(async () => {
  redis = await startTestRedis();
  tmp = await mkdtemp(join(tmpdir(), "tat-bulk-loads-"));
});
afterAll(async () => {
  await redis.close();
  await rm(tmp, { recursive: true, force: true });
});

/** Starts the app with the module recorder, stops it, and answers the modules it loaded. */
async function modulesLoaded(app: "intake" | "worker", env: Record<string, string>): Promise<string[]> {
  const file = join(tmp, `${app}-${Date.now()}.txt`);
  const appDir = fileURLToPath(new URL(`../../../apps/${app}`, import.meta.url));
  const service: ServiceProcess = await spawnService(
    [`--import=${HOOK}`, ...appCommand(appDir)],
    {
      PORT: "0",
      HOST: "127.0.0.1",
      REDIS_URL: redis.url,
      QUEUE_NAME: `loads-${app}`,
      INTAKE_API_KEYS: "loads-test-key-0123456789abcdef",
      TENCENTCLOUD_SECRET_ID: "id",
      TENCENTCLOUD_SECRET_KEY: "key",
      RECORD_LOADS_FILE: file,
      ...env,
    },
    READY[app],
  );
  expect(await service.stop("SIGTERM")).toBe(0);
  return (await readFile(file, "utf8")).split("\n").filter(Boolean);
}

describe.each(["intake", "worker"] as const)("the %s", (app) => {
  it("loads no OpenTelemetry module with tracing off, and loads them with it on", async () => {
    const off = await modulesLoaded(app, {});
    expect(off.length).toBeGreaterThan(50);
    expect(off.filter((url) => OTEL.test(url))).toEqual([]);
    const receiver = await startOtlpReceiver();
    try {
      const on = await modulesLoaded(app, { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url });
      expect(on.filter((url) => OTEL.test(url)).length).toBeGreaterThan(0);
    } finally {
      await receiver.close();
    }
  });
});
