import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { sha256Hex } from "@tat-bulk/callers";
import { SIMULATOR_CREDENTIALS } from "@tat-bulk/config";
import {
  cvmIds,
  intakeCaller,
  type ProcessStack,
  type ServiceProcess,
  sampleBatch,
  startProcessStack,
} from "@tat-bulk/test-support";
import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";

const KEYS = {
  deploy: "deploy-bot-key-0123456789abcdef",
  ops: "ops-admin-key-0123456789abcdef",
  legacy: "legacy-env-key-0123456789abcdef",
};
const WRONG = "a-wrong-key-0123456789abcdef";

let stack: ProcessStack | undefined;
afterAll(async () => {
  await stack?.close();
});

/** Everything a process writes from now on (its output before this is in `output()`). */
function collect(service: ServiceProcess | undefined): () => string {
  let text = service?.output() ?? "";
  service?.child.stdout?.on("data", (d: Buffer) => (text += d.toString()));
  service?.child.stderr?.on("data", (d: Buffer) => (text += d.toString()));
  return () => text;
}

describe("a full run with callers, at debug level", () => {
  it("leaves no configured key, nor the TAT secret, in any log or in the audit trail", async () => {
    const tmp = join((await import("node:os")).tmpdir(), `tat-bulk-callers-${process.pid}.yaml`);
    await writeFile(
      tmp,
      JSON.stringify([
        {
          Name: "deploy-bot",
          KeySha256: sha256Hex(KEYS.deploy),
          Scopes: ["batches:read", "batches:write", "batches:cancel", "invokers:write"],
          AllowedCommandIds: ["*"],
          AllowedRegions: ["*"],
          AllowedAccounts: ["*"],
        },
        { Name: "ops", KeySha256: sha256Hex(KEYS.ops), Scopes: ["admin"] },
      ]),
    );
    stack = await startProcessStack({
      name: "callers-e2e",
      intakeEnv: {
        INTAKE_CALLERS_FILE: tmp,
        INTAKE_API_KEYS: KEYS.legacy,
        LOG_LEVEL: "debug",
        // Refused keys are counted per window: a short one writes the count while the test waits.
        AUDIT_COUNT_WINDOW_MS: "1000",
      },
      workerEnv: { LOG_LEVEL: "debug" },
      simEnv: { LOG_LEVEL: "debug" },
    });
    const logs = [collect(stack.intake), collect(stack.worker), collect(stack.sim)];
    const deploy = intakeCaller(stack.intake.ready, KEYS.deploy);
    const legacy = intakeCaller(stack.intake.ready, KEYS.legacy);
    const { BatchId } = await deploy.post<{ BatchId: string }>(
      "/v1/invoker-batches",
      sampleBatch(cvmIds(250)),
    );
    await legacy.post("/v1/invoker-batches", sampleBatch(cvmIds(50, 1000)));
    await deploy.waitForBatch(BatchId);
    for (const path of ["retry", "disable", "enable"])
      await deploy.post(`/v1/invoker-batches/${BatchId}/${path}`, {});
    await deploy.get(`/v1/invoker-batches/${BatchId}/instances`);
    await deploy.call("DELETE", `/v1/invoker-batches/${BatchId}`);
    await intakeCaller(stack.intake.ready, WRONG).call("GET", "/v1/invoker-batches");
    const audit = await intakeCaller(stack.intake.ready, KEYS.ops).get<{ Entries: unknown[] }>(
      "/v1/audit?limit=1000",
    );
    expect(audit.Entries.length).toBeGreaterThanOrEqual(7);

    const redis = new Redis(stack.redis.url);
    let stream = "";
    // The refused key's counted entry is written once its window is over.
    for (let i = 0; i < 50 && !stream.includes('"authenticate"'); i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      stream = JSON.stringify(await redis.xrange("tat-bulk:{callers-e2e}:audit", "-", "+"));
    }
    redis.disconnect();
    const everything = [...logs.map((log) => log()), stream, JSON.stringify(audit)].join("\n");
    expect(everything).toContain("deploy-bot");
    expect(everything).toContain("authenticate");
    for (const secret of [...Object.values(KEYS), WRONG, SIMULATOR_CREDENTIALS.secretKey]) {
      expect(everything.includes(secret), `a secret appears: ${secret.slice(0, 6)}…`).toBe(false);
    }
  }, 90_000);
});
