import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { appCommand } from "@tat-bulk/config";
import {
  cvmIds,
  intakeCaller,
  type ProcessStack,
  sampleBatch,
  startProcessStack,
} from "@tat-bulk/test-support";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KEYS, securityCallersFile } from "./security-harness.js";

const LEGACY = "legacy-env-key-0123456789abcdef";
let stack: ProcessStack;
beforeAll(async () => {
  stack = await startProcessStack({
    name: "security-races",
    intakeEnv: { INTAKE_CALLERS_FILE: securityCallersFile(), INTAKE_API_KEYS: LEGACY },
    workerEnv: false,
  });
});
afterAll(() => stack.close());

describe("races and leaks", () => {
  it("gives requests racing with one Idempotency-Key on two intakes one batch (the caller has no quota lock)", async () => {
    const second = await stack.startIntake({
      QUEUE_NAME: "security-races",
      INTAKE_CALLERS_FILE: securityCallersFile(),
    });
    const body = JSON.stringify(sampleBatch(cvmIds(20_000)));
    const answers = await Promise.all(
      Array.from({ length: 16 }, async (_, i) => {
        const res = await fetch(`${i % 2 ? second.ready : stack.intake.ready}/v1/invoker-batches`, {
          method: "POST",
          headers: {
            authorization: `Bearer ${KEYS.ordinary}`,
            "content-type": "application/json",
            "idempotency-key": "race-1",
          },
          body,
        });
        return {
          status: res.status,
          body: (await res.json()) as { BatchId?: string; Error?: { Code: string } },
        };
      }),
    );
    const batches = new Set(answers.flatMap((a) => (a.body.BatchId ? [a.body.BatchId] : [])));
    expect(batches.size).toBe(1);
    for (const answer of answers) {
      expect(
        answer.status === 202 || answer.body.Error?.Code === "FailedOperation.IdempotencyKeyInProgress",
      ).toBe(true);
    }
    const list = await intakeCaller(stack.intake.ready, KEYS.admin).get<{ TotalCount: number }>(
      "/v1/invoker-batches?caller=ordinary",
    );
    expect(list.TotalCount).toBe(1);
  });

  it("labels an INTAKE_API_KEYS key on /metrics by its position, never by anything made from the key", async () => {
    await intakeCaller(stack.intake.ready, LEGACY).post(
      "/v1/invoker-batches",
      sampleBatch(cvmIds(2, 50_000)),
    );
    const metrics = await (await fetch(`${stack.intake.ready}/metrics`)).text();
    expect(metrics).toMatch(/tat_bulk_batches_total\{outcome="accepted",caller="api-key-1"\} 1/);
    expect(metrics).not.toMatch(/caller="key-/);
  });

  it("stops a worker whose accounts file does not parse without printing any of it", () => {
    const dir = mkdtempSync(join(tmpdir(), "tat-bulk-accounts-"));
    const file = join(dir, "accounts.json");
    const secret = "a-secret-key-in-a-broken-file-0123";
    writeFileSync(file, `[{"Name": "main", "SecretId": "AKID0000", "SecretKey": "${secret}"`);
    const args = appCommand(join(import.meta.dirname, "../../../apps/worker"));
    const run = spawnSync(process.execPath, args, {
      env: { PATH: process.env.PATH ?? "", TAT_ACCOUNTS_FILE: file, REDIS_URL: stack.redis.url, PORT: "0" },
      encoding: "utf8",
      timeout: 20_000,
    });
    expect(run.status).not.toBe(0);
    expect(run.stderr + run.stdout).toContain("TAT_ACCOUNTS_FILE");
    expect(run.stderr + run.stdout).toContain("not valid JSON");
    expect(run.stderr + run.stdout).not.toContain(secret.slice(0, 12));
  });
});
