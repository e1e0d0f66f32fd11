import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { freePort, type ProcessStack, startProcessStack } from "@tat-bulk/test-support";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EXIT } from "../src/exit-codes.js";
import type { Io } from "../src/io.js";
import { run } from "../src/run.js";

const KEY = "cli-test-key-0123456789abcdef";

let stack: ProcessStack;
let tmp: string;
let env: NodeJS.ProcessEnv;
/** An intake whose queue no worker drains: its batches stay QUEUED until cancelled. */
let idleEnv: NodeJS.ProcessEnv;

beforeAll(async () => {
  stack = await startProcessStack({
    name: "cli-test",
    world: {
      commands: [{ CommandId: "cmd-m7uma92n" }],
      instances: [
        ...Array.from({ length: 300 }, (_, i) => ({ InstanceId: `ins-${String(i).padStart(8, "0")}` })),
        { InstanceId: "ins-offline1", AgentStatus: "Offline" },
      ],
    },
    intakeEnv: { INTAKE_API_KEYS: KEY },
    simEnv: {
      TAT_SIM_TASK_FAIL_RATE: "0.2",
      TAT_SIM_TASK_DURATION_MS: "300",
      TAT_SIM_TASK_DURATION_JITTER_MS: "0",
    },
  });
  tmp = stack.tmp;
  env = { TAT_BULK_URL: stack.intake.ready, TAT_BULK_API_KEY: KEY };
  const idle = await stack.startIntake({ QUEUE_NAME: "cli-test-idle", INTAKE_API_KEYS: KEY });
  idleEnv = { TAT_BULK_URL: idle.ready, TAT_BULK_API_KEY: KEY };
}, 60_000);

afterAll(async () => {
  await stack.close();
});

async function cli(argv: string[], options: { env?: NodeJS.ProcessEnv; stdin?: string } = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const io: Io = {
    out: (t) => out.push(t),
    err: (t) => err.push(t),
    readStdin: () => options.stdin ?? "",
    pollMs: 50,
  };
  const code = await run(argv, options.env ?? env, tmp, io);
  return { code, out: out.join("\n"), err: err.join("\n") };
}

const ids = (n: number) =>
  Array.from({ length: n }, (_, i) => `ins-${String(i).padStart(8, "0")}`).join("\n");

describe("tat-bulk against a running intake", () => {
  it("runs, run --failed and rerun --wait follow what a batch's invokers ran", async () => {
    const file = join(tmp, "run-ids.txt");
    await writeFile(file, ids(150));
    const at = new Date(Math.ceil((Date.now() + 5000) / 1000) * 1000).toISOString().replace(/\.000Z$/, "Z");
    const submitted = await cli([
      "submit",
      "--command",
      "cmd-m7uma92n",
      "--instances",
      file,
      "--at",
      at,
      "--wait",
    ]);
    const batchId = /bat-[0-9a-f]{16}/.exec(submitted.out)?.[0] ?? "";
    const runId = at.replace(/[-:]/g, "");
    let runs = await cli(["runs", batchId]);
    for (let i = 0; i < 60 && !/PARTIALLY_FAILED|SUCCEEDED|\bFAILED/.test(runs.out); i++) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      runs = await cli(["runs", batchId]);
    }
    expect(runs.out).toMatch(
      new RegExp(`^1 runs\n${runId} +INVOKER +PARTIALLY_FAILED +succeeded \\d+ failed \\d+`),
    );
    const shown = await cli(["run", batchId, runId, "--failed"]);
    expect(shown.code).toBe(EXIT.OK);
    expect(shown.out).toContain("failures, grouped (identifiers masked):");
    expect(shown.out).toMatch(/ins-\d{8} FAILED exit \d+\n {2}\| Running on ins-\d{8}/);
    const reran = await cli(["rerun", batchId, runId, "--wait"]);
    expect(reran.out).toMatch(/^rerun-1 +RERUN /);
    expect([EXIT.OK, EXIT.BATCH_FAILED]).toContain(reran.code);
    const again = await cli(["rerun", batchId, "20990101T000000Z"]);
    expect(again.code).toBe(EXIT.API_ERROR);
    expect(again.err).toContain("ResourceNotFound");

    // Its export: every instance, both runs and their tasks, an end line.
    const exported = await cli(["export", batchId]);
    expect(exported.code).toBe(EXIT.OK);
    const lines = exported.out.split("\n").map((line) => JSON.parse(line) as { Type: string });
    expect(lines.filter((l) => l.Type === "instance")).toHaveLength(150);
    expect(lines.filter((l) => l.Type === "run")).toHaveLength(2);
    expect(lines.at(-1)).toMatchObject({ Type: "end", Instances: 150, Runs: 2 });
    // Then it goes, once its follower has let go of it.
    let purged = await cli(["purge", batchId]);
    for (let i = 0; i < 40 && purged.code !== EXIT.OK; i++) {
      expect(purged.err).toContain("FailedOperation.BatchNotFinished");
      await new Promise((resolve) => setTimeout(resolve, 250));
      purged = await cli(["purge", batchId]);
    }
    expect(purged.out, purged.err).toBe(`${batchId}: purged`);
    expect((await cli(["status", batchId])).err).toContain("ResourceNotFound");
  }, 60_000);

  it("submit reads a file and prints the batch; status, list and cancel show it", async () => {
    const file = join(tmp, "ids.txt");
    await writeFile(file, ids(250));
    const on = { env: idleEnv };
    const argv = [
      "submit",
      "--command",
      "cmd-m7uma92n",
      "--instances",
      file,
      "--cron",
      "0 3 * * *",
      "--json",
    ];
    const submitted = await cli(argv, on);
    expect(submitted.code).toBe(EXIT.OK);
    const accepted = JSON.parse(submitted.out) as {
      BatchId: string;
      InstanceCount: number;
      ChunkCount: number;
    };
    expect(accepted).toMatchObject({ InstanceCount: 250, ChunkCount: 3 });

    const status = await cli(["status", accepted.BatchId], on);
    expect(status.code).toBe(EXIT.OK);
    expect(status.out).toMatch(new RegExp(`^${accepted.BatchId} +QUEUED +250 instances +3 chunks`));

    const listed = await cli(["list", "--json"], on);
    const batches = (JSON.parse(listed.out) as { Batches: Array<{ BatchId: string }> }).Batches;
    expect(batches.map((b) => b.BatchId)).toContain(accepted.BatchId);

    // No worker drains this queue, so every chunk is still queued and cancel ends the batch at once.
    const cancelled = await cli(["cancel", accepted.BatchId, "--json"], on);
    expect(cancelled.code).toBe(EXIT.OK);
    expect(JSON.parse(cancelled.out)).toMatchObject({
      BatchId: accepted.BatchId,
      Status: "CANCELLED",
      Counts: { Cancelled: 3, Queued: 0 },
    });
  });

  it("submit --wait follows the batch to SUCCEEDED and exits 0", async () => {
    const result = await cli(["submit", "--command", "cmd-m7uma92n", "--instances", "-", "--wait"], {
      stdin: ids(300),
    });
    expect(result.code).toBe(EXIT.OK);
    expect(result.out).toMatch(/SUCCEEDED in .*: 300 instances in 3 chunks/);
    expect(result.out).toContain("instances: succeeded 300, failed 0, cancelled 0");
    expect(result.out).toContain("chunks: succeeded 3, partially failed 0, failed 0");
    const batchId = /^accepted (bat-[0-9a-f]+)/.exec(result.out)?.[1] ?? "";
    for (const [action, counts] of [
      ["disable", "enabled 0, disabled 3, deleted 0"],
      ["enable", "enabled 3, disabled 0, deleted 0"],
      ["delete-invokers", "enabled 0, disabled 0, deleted 3"],
    ]) {
      const done = await cli([action ?? "", batchId, "--wait"]);
      expect(done.code).toBe(EXIT.OK);
      expect(done.out).toContain(`${batchId} invokers: ${counts}`);
    }
  }, 30_000);

  it("submit --wait exits 1 when an instance fails and names the top failure codes; failed lists it; retry --wait sends it again", async () => {
    const result = await cli(["submit", "--command", "cmd-m7uma92n", "--instances", "-", "--wait"], {
      stdin: `${ids(100)}\nins-offline1\n`,
    });
    expect(result.code).toBe(EXIT.BATCH_FAILED);
    expect(result.out).toMatch(/PARTIALLY_FAILED/);
    expect(result.out).toContain("instances: succeeded 100, failed 1, cancelled 0");
    expect(result.out).toContain("top failure codes: ResourceUnavailable.AgentStatusNotOnline 1");
    const batchId = /^accepted (bat-[0-9a-f]+)/.exec(result.out)?.[1] ?? "";
    expect((await cli(["failed", batchId])).out).toBe("ins-offline1");
    await fetch(`${stack.sim.ready}/__admin/agents`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ InstanceIds: ["ins-offline1"], AgentStatus: "Online" }),
    });
    const retried = await cli(["retry", batchId, "--wait"]);
    expect(retried.code).toBe(EXIT.OK);
    expect(retried.out).toContain(`${batchId}: 1 failed instances sent again`);
    expect(retried.out).toMatch(/SUCCEEDED .* 101 instances/);
    expect((await cli(["failed", batchId])).out).toBe("");
  }, 30_000);

  it("shows an API error with its code and message, no stack trace, and exits 3", async () => {
    const result = await cli(["submit", "--command", "cmd-bad", "--instances", "-"], { stdin: ids(1) });
    expect(result.code).toBe(EXIT.API_ERROR);
    expect(result.err).toMatch(
      /^tat-bulk: InvalidParameterValue\.InvalidCommandId: .+ \(RequestId [0-9a-f-]+\)$/,
    );
    const unknown = await cli(["status", "bat-0000000000000000"]);
    expect(unknown.code).toBe(EXIT.API_ERROR);
    expect(unknown.err).toContain("ResourceNotFound");
  });

  it("exits 3 with a clear message when the intake cannot be reached or the key is wrong", async () => {
    const port = await freePort();
    const down = await cli(["list"], {
      env: { TAT_BULK_URL: `http://127.0.0.1:${port}`, TAT_BULK_API_KEY: KEY },
    });
    expect(down.code).toBe(EXIT.API_ERROR);
    expect(down.err).toMatch(/NetworkError: cannot reach the intake/);
    const wrongKey = await cli(["list"], { env: { ...env, TAT_BULK_API_KEY: "wrong-key-0123456789" } });
    expect(wrongKey.code).toBe(EXIT.API_ERROR);
    expect(wrongKey.err).toContain("AuthFailure");
  });

  it("exits 2 on usage errors and without a URL", async () => {
    expect((await cli(["submit"])).code).toBe(EXIT.USAGE);
    const noUrl = await cli(["list"], { env: {} });
    expect(noUrl.code).toBe(EXIT.USAGE);
    expect(noUrl.err).toContain("no intake URL");
    expect(
      (await cli(["submit", "--command", "cmd-m7uma92n", "--instances", join(tmp, "missing.txt")])).code,
    ).toBe(EXIT.USAGE);
  });

  it("finds a local stack through stack.json when no URL is given", async () => {
    const dir = join(tmp, "stackdir");
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, "stack.json"), JSON.stringify({ intakeUrl: env.TAT_BULK_URL, apiKey: KEY }));
    const result = await cli(["list"], { env: { STACK_DATA_DIR: dir } });
    expect(result.code).toBe(EXIT.OK);
  });
});

describe("tat-bulk hash-key", () => {
  it("prints the KeySha256 a callers file takes: an intake configured with it lets the key in", async () => {
    const key = "callers-file-key-0123456789";
    const hashed = await cli(["hash-key"], { stdin: `${key}\n` });
    expect(hashed.code).toBe(EXIT.OK);
    expect(hashed.out).toMatch(/^[0-9a-f]{64}$/);
    const file = join(tmp, "callers.yaml");
    await writeFile(file, `- Name: from-cli\n  KeySha256: ${hashed.out}\n  Scopes: [batches:read]\n`);
    const intake = await stack.startIntake({ QUEUE_NAME: "cli-test-callers", INTAKE_CALLERS_FILE: file });
    const asFileCaller = { env: { TAT_BULK_URL: intake.ready, TAT_BULK_API_KEY: key } };
    const listed = await cli(["list"], asFileCaller);
    expect(listed.code).toBe(EXIT.OK);
    // Dead letters are admin's: this caller is refused, an API error.
    const refused = await cli(["dead-letters"], asFileCaller);
    expect({ code: refused.code, err: refused.err }).toMatchObject({
      code: EXIT.API_ERROR,
      err: expect.stringMatching(/^tat-bulk: UnauthorizedOperation/),
    });
    expect((await cli(["hash-key"], { stdin: "short" })).code).toBe(EXIT.USAGE);
  });
});
