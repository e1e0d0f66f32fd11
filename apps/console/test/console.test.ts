import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync } from "node:fs";
import { createTatBulkClient } from "@tat-bulk/client";
import {
  cvmIds,
  type OtlpReceiver,
  type ProcessStack,
  sampleBatch,
  startOtlpReceiver,
  startProcessStack,
} from "@tat-bulk/test-support";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const KEY = "console-test-key-0123456789";
const ARTIFACTS = new URL("../test-artifacts/", import.meta.url);
/** Debian's chromium (`.ci/run` installs it), or CHROMIUM_PATH. */
const CHROMIUM =
  process.env.CHROMIUM_PATH ?? execFileSync("sh", ["-c", "command -v chromium"]).toString().trim();

const TRACE_URL = "http://traces.example:16686/trace/{traceId}";

let stack: ProcessStack;
let receiver: OtlpReceiver;
let browser: Browser;
let page: Page;
const shot = (name: string) =>
  page.screenshot({ path: new URL(`${name}.png`, ARTIFACTS).pathname, fullPage: true });

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  // Tracing on, and a trace UI named: batch pages link their trace.
  receiver = await startOtlpReceiver();
  stack = await startProcessStack({
    name: "console",
    intakeEnv: {
      INTAKE_API_KEYS: KEY,
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      CONSOLE_TRACE_URL: TRACE_URL,
    },
    // 5% of agents offline: failed instances to group and download. A slow budget keeps the
    // second batch running long enough to cancel it from the page.
    simEnv: {
      TAT_SIM_OFFLINE_RATE: "0.05",
      TAT_SIM_TASK_FAIL_RATE: "0.2",
      TAT_SIM_TASK_DURATION_MS: "300",
      TAT_SIM_TASK_DURATION_JITTER_MS: "0",
    },
    workerEnv: { TAT_RATE_LIMIT: "5" },
  });
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] });
  page = await browser.newPage({ acceptDownloads: true, viewport: { width: 1200, height: 900 } });
});
afterAll(async () => {
  await browser?.close();
  await stack?.close();
  await receiver?.close();
});

const client = () => createTatBulkClient({ baseUrl: stack.intake.ready, apiKey: KEY });

describe("the console in headless Chromium, against a real intake, worker and simulator", () => {
  it("is served with a Content-Security-Policy that allows no inline script", async () => {
    const res = await fetch(`${stack.intake.ready}/console/`);
    expect(res.status).toBe(200);
    const csp = res.headers.get("content-security-policy") ?? "";
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain("unsafe-inline");
    expect(await res.text()).not.toMatch(/<script>(?!<)/);
  });

  it("signs in with the form, refusing a wrong key, and with #key=, which leaves the address at once", async () => {
    await page.goto(`${stack.intake.ready}/console/`);
    await page.getByLabel("API key").fill("wrong-key-0123456789");
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect.poll(() => page.getByRole("alert").textContent()).toContain("refused");
    await page.getByLabel("API key").fill(KEY);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("heading", { name: "Batches" }).waitFor();

    const other = await browser.newPage();
    await other.goto(`${stack.intake.ready}/console/#key=${KEY}`);
    await other.getByRole("heading", { name: "Batches" }).waitFor();
    expect(other.url()).not.toContain(KEY);
    await other.close();
  });

  it("lists batches and shows one: chunk grid, failed instances by code, and their IDs as a download", async () => {
    const { BatchId } = await client().submit(sampleBatch(cvmIds(300)));
    await client().waitForBatch(BatchId, { minDelayMs: 100, timeoutMs: 60_000 });
    await page.goto(`${stack.intake.ready}/console/#/`);
    const link = page.getByRole("link", { name: BatchId });
    await link.waitFor();
    await shot("batch-list");
    await link.click();
    await page.getByRole("heading", { name: BatchId }).waitFor();
    expect(await page.locator(".grid .cell").count()).toBe(3);
    const final = await client().status(BatchId);
    // Its trace, linked to the trace UI the intake names.
    expect(final.TraceId).toMatch(/^[0-9a-f]{32}$/);
    const trace = page.locator("#trace a");
    expect(await trace.getAttribute("href")).toBe(TRACE_URL.replace("{traceId}", final.TraceId ?? ""));
    expect(await trace.textContent()).toBe(final.TraceId);
    expect(final.FailedByCode).toEqual({
      "ResourceUnavailable.AgentStatusNotOnline": final.Instances.Failed,
    });
    const row = page.getByRole("row", { name: /ResourceUnavailable\.AgentStatusNotOnline/ });
    await row.waitFor();
    await shot("batch-page");
    const [download] = await Promise.all([
      page.waitForEvent("download"),
      row.getByRole("button", { name: /Download/ }).click(),
    ]);
    const ids = readFileSync(await download.path(), "utf8")
      .trim()
      .split("\n");
    expect(ids).toHaveLength(final.Instances.Failed);
    const failed = [];
    for await (const i of client().instances(BatchId, { status: "FAILED" })) failed.push(i.InstanceId);
    expect(ids.sort()).toEqual(failed.sort());
  });

  it("renders a 1,000-chunk grid", async () => {
    const { BatchId } = await client().submit(sampleBatch(cvmIds(100_000, 1_000_000)));
    const started = Date.now();
    await page.goto(`${stack.intake.ready}/console/#/batches/${BatchId}`);
    await page.getByRole("heading", { name: BatchId }).waitFor();
    expect(await page.locator(".grid .cell").count()).toBe(1000);
    expect(Date.now() - started).toBeLessThan(5000);
    await client().cancel(BatchId, "keep");
  });

  it("cancels a running batch through its page, after a confirmation", async () => {
    const { BatchId } = await client().submit(sampleBatch(cvmIds(5000, 2_000_000)));
    await page.goto(`${stack.intake.ready}/console/#/batches/${BatchId}`);
    await page.getByRole("heading", { name: BatchId }).waitFor();
    await page.getByRole("button", { name: "Cancel the batch" }).click();
    const dialog = page.getByRole("dialog");
    await dialog.getByRole("button", { name: "Cancel the batch" }).click();
    await expect
      .poll(async () => (await client().status(BatchId)).Status, { timeout: 30_000 })
      .toMatch(/^CANCELL/);
    await expect
      .poll(() => page.locator("#batch-status").textContent(), { timeout: 10_000 })
      .toMatch(/^CANCELL/);
    await shot("batch-cancelled");
  });

  it("shows a batch's run: failures grouped, outputs, and a rerun of the failed after a confirmation", async () => {
    const at = new Date(Math.ceil((Date.now() + 6000) / 1000) * 1000).toISOString().replace(/\.000Z$/, "Z");
    const { BatchId } = await client().submit({
      ...sampleBatch(cvmIds(100, 3_000_000)),
      ScheduleSettings: { Policy: "ONCE", InvokeTime: at },
    });
    const runId = at.replace(/[-:]/g, "");
    await expect
      .poll(async () => (await client().runs(BatchId)).Runs[0]?.Status, { timeout: 40_000 })
      .toMatch(/SUCCEEDED|FAILED/);
    await page.goto(`${stack.intake.ready}/console/#/batches/${BatchId}`);
    await page.getByRole("link", { name: new RegExp(`last ${runId}`) }).click();
    await page.getByRole("heading", { name: `Run ${runId}` }).waitFor();
    const run = await client().run(BatchId, runId);
    expect(await page.locator("#failure-groups tbody tr").count()).toBe(run.FailureGroups.length);
    expect(await page.locator(".outputs details").count()).toBe(Math.min(100, run.Instances.Failed));
    await page.locator(".outputs summary").first().click();
    expect(await page.locator(".outputs pre").first().textContent()).toContain("Running on ins-");
    await shot("run-page");
    await page.getByRole("button", { name: /^Rerun \d+ failed$/ }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Rerun" }).click();
    await page.getByRole("heading", { name: "Run rerun-1" }).waitFor();
    expect((await client().run(BatchId, "rerun-1")).Source).toBe("RERUN");
  }, 60_000);
});
