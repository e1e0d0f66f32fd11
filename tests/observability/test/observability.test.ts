import { execFile, spawn } from "node:child_process";
import { readFile, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { promisify } from "node:util";
import {
  cvmIds,
  freePort,
  type ProcessStack,
  sampleBatch,
  simAdmin,
  startProcessStack,
} from "@tat-bulk/test-support";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { DEPLOY, readDashboard, readYaml } from "./deploy-files.js";
import { selectorsOf } from "./promql.js";

const run = promisify(execFile);
const API_KEY = "observability-test-key-0123456789";
const SECRET = { id: "AKIDobservability000000000000", key: "observabilitysecret0000000000" };
/** prom-client's default Node.js metrics include gauges named *_total, which promtool flags. */
const DEFAULT_FAMILIES_PROMTOOL_FLAGS = [
  "nodejs_active_handles_total",
  "nodejs_active_requests_total",
  "nodejs_active_resources_total",
];

interface Rules {
  groups: Array<{ rules: Array<{ alert?: string; record?: string; expr: string }> }>;
}

let stack: ProcessStack;
let prometheus: ReturnType<typeof spawn> | undefined;
let prometheusUrl = "";
const urls = { intake: "", worker: "", sim: "" };

function withoutFlaggedDefaults(text: string): string {
  return text
    .split("\n")
    .filter((line) => !DEFAULT_FAMILIES_PROMTOOL_FLAGS.some((name) => line.includes(name)))
    .join("\n");
}

async function promtoolCheckMetrics(text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn("promtool", ["check", "metrics"]);
    let output = "";
    child.stdout.on("data", (d: Buffer) => (output += d.toString()));
    child.stderr.on("data", (d: Buffer) => (output += d.toString()));
    child.on("exit", (code) =>
      code === 0 ? resolve(output) : reject(new Error(`promtool check metrics: ${output}`)),
    );
    child.stdin.end(text);
  });
}

async function waitForBatches(...batchIds: unknown[]) {
  for (const id of batchIds) {
    for (let i = 0; i < 300 && !(await intake(`/v1/invoker-batches/${String(id)}`)).FinishedAt; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

async function intake(path: string, body?: unknown) {
  const res = await fetch(`${urls.intake}${path}`, {
    method: body === undefined ? "GET" : "POST",
    headers: { authorization: `Bearer ${API_KEY}`, "content-type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return (await res.json()) as Record<string, unknown>;
}

/** A webhook receiver that refuses its first delivery (so a retry happens), then takes them. */
let receiver: Server | undefined;
async function startReceiver(): Promise<string> {
  let first = true;
  receiver = createServer((req, res) => {
    req.resume();
    res.writeHead(first ? 500 : 200).end();
    first = false;
  });
  await new Promise<void>((resolve) => receiver?.listen(0, "127.0.0.1", resolve));
  return `127.0.0.1:${(receiver.address() as AddressInfo).port}`;
}

beforeAll(async () => {
  const hookHost = await startReceiver();
  stack = await startProcessStack({
    name: "observability",
    world: {
      commands: [{ CommandId: "cmd-m7uma92n", EnableParameter: true }],
      instances: [
        ...cvmIds(410).map((InstanceId) => ({ InstanceId })),
        { InstanceId: "ins-offline1", AgentStatus: "Offline" },
      ],
    },
    simEnv: { TAT_SIM_CREDENTIALS: `${SECRET.id}:${SECRET.key}` },
    workerEnv: {
      TENCENTCLOUD_SECRET_ID: SECRET.id,
      TENCENTCLOUD_SECRET_KEY: SECRET.key,
      TAT_RETRY_BASE_MS: "50",
      TAT_RETRY_MAX_MS: "200",
      WEBHOOK_ALLOWED_HOSTS: hookHost,
      WEBHOOK_SIGNING_SECRET: "observability-webhook-secret",
      WEBHOOK_RETRY_BASE_MS: "100",
    },
    intakeEnv: { INTAKE_API_KEYS: API_KEY, WEBHOOK_ALLOWED_HOSTS: hookHost },
  });
  const tmp = stack.tmp;
  urls.sim = stack.sim.ready;
  urls.worker = stack.worker?.ready ?? "";
  urls.intake = stack.intake.ready;

  // The shipped rules, with the shipped job names, scraping this test's processes every second.
  const shipped = parse(await readFile(join(DEPLOY, "prometheus/prometheus.yml"), "utf8")) as {
    scrape_configs: Array<{ job_name: string }>;
  };
  const targets: Record<string, string> = {
    "tat-bulk-intake": urls.intake,
    "tat-bulk-worker": urls.worker,
    "tat-bulk-tat-sim": urls.sim,
  };
  const config = {
    global: { scrape_interval: "1s", evaluation_interval: "1s" },
    rule_files: [join(DEPLOY, "prometheus/alerts.yml")],
    scrape_configs: shipped.scrape_configs.map(({ job_name }) => {
      const target = targets[job_name];
      if (!target) throw new Error(`no test target for job ${job_name}`);
      return { job_name, static_configs: [{ targets: [new URL(target).host] }] };
    }),
  };
  await writeFile(join(tmp, "prometheus.yml"), JSON.stringify(config));
  const port = await freePort();
  prometheusUrl = `http://127.0.0.1:${port}`;
  prometheus = spawn(
    "prometheus",
    [
      `--config.file=${join(tmp, "prometheus.yml")}`,
      `--storage.tsdb.path=${join(tmp, "data")}`,
      `--web.listen-address=127.0.0.1:${port}`,
    ],
    { stdio: "ignore" },
  );

  // A small drain with injected faults, so that error, retry and adoption series exist.
  const admin = simAdmin(urls.sim);
  await admin("POST", "/faults/script", { action: "CreateInvoker", fault: "internal-error-after", count: 1 });
  await admin("POST", "/faults/script", {
    action: "CreateInvoker",
    fault: "request-limit-exceeded",
    count: 1,
  });
  const good = await intake("/v1/invoker-batches", sampleBatch(cvmIds(400)));
  const bad = await intake("/v1/invoker-batches", sampleBatch(["ins-offline1"]));
  await intake("/v1/invoker-batches", sampleBatch(["nope"]));
  await waitForBatches(good.BatchId, bad.BatchId);
  // An instance gone while its agent still reports online: found by splitting its chunk.
  await admin("POST", "/agents", { InstanceIds: [cvmIds(8, 400)[5]], AgentStatus: "Vanished" });
  const split = await intake("/v1/invoker-batches", {
    ...sampleBatch(cvmIds(8, 400)),
    CallbackUrl: `http://${hookHost}/hook`,
  });
  await waitForBatches(split.BatchId);
  // An invoker action, and the webhook's retry.
  await intake(`/v1/invoker-batches/${String(split.BatchId)}/disable`, {});
  await new Promise((resolve) => setTimeout(resolve, 1500));
  // Let Prometheus scrape the end state a few times (rate() needs two samples).
  for (let i = 0; i < 100; i++) {
    const res = await fetch(
      `${prometheusUrl}/api/v1/query?query=${encodeURIComponent("count(tat_bulk_chunks_finished_total)")}`,
    ).catch(() => undefined);
    const body = (await res?.json().catch(() => undefined)) as { data?: { result?: unknown[] } } | undefined;
    if ((body?.data?.result?.length ?? 0) > 0) break;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  await new Promise((resolve) => setTimeout(resolve, 3000));
}, 90_000);

afterAll(async () => {
  receiver?.close();
  prometheus?.kill("SIGTERM");
  await stack?.close();
});

describe("shipped Prometheus files", () => {
  it("pass promtool check config and check rules", async () => {
    await run("promtool", ["check", "config", join(DEPLOY, "prometheus/prometheus.yml")]);
    await run("promtool", ["check", "rules", join(DEPLOY, "prometheus/alerts.yml")]);
  });

  it.each(["intake", "worker", "sim"] as const)(
    "the %s's own metric families pass promtool check metrics",
    async (name) => {
      const text = await (await fetch(`${urls[name]}/metrics`)).text();
      expect(text).toMatch(/^# HELP/m);
      await promtoolCheckMetrics(withoutFlaggedDefaults(text));
    },
  );
});

async function expressions(): Promise<Array<[string, string]>> {
  const dashboard = await readDashboard();
  const rules = await readYaml<Rules>("prometheus/alerts.yml");
  return [
    ...dashboard.panels.flatMap((p) =>
      (p.targets ?? []).map((t) => [`panel "${p.title}"`, t.expr ?? ""] as [string, string]),
    ),
    ...rules.groups.flatMap((g) =>
      g.rules.map((r) => [`rule ${r.alert ?? r.record}`, r.expr] as [string, string]),
    ),
  ];
}

describe("every PromQL expression of the dashboard and the rules, against a real Prometheus", () => {
  it("parses, and every series it selects exists", async () => {
    const all = await expressions();
    expect(all.length).toBeGreaterThan(15);
    const problems: string[] = [];
    for (const [where, expr] of all) {
      const res = await fetch(`${prometheusUrl}/api/v1/query?query=${encodeURIComponent(expr)}`);
      const body = (await res.json()) as { status: string; error?: string };
      if (body.status !== "success") problems.push(`${where}: ${body.error}`);
      const selectors = selectorsOf(expr);
      if (selectors.length === 0) problems.push(`${where}: selects no metric`);
      for (const selector of selectors) {
        const series = await fetch(`${prometheusUrl}/api/v1/series?match[]=${encodeURIComponent(selector)}`);
        const found = (await series.json()) as { data?: unknown[] };
        if (!found.data?.length) problems.push(`${where}: no series for ${selector}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it("the rules are loaded and evaluated by Prometheus", async () => {
    const res = await fetch(`${prometheusUrl}/api/v1/rules`);
    const body = (await res.json()) as {
      data: { groups: Array<{ rules: Array<{ health: string; name: string }> }> };
    };
    const rules = body.data.groups.flatMap((g) => g.rules);
    expect(rules.length).toBe((await expressions()).filter(([where]) => where.startsWith("rule")).length);
    for (const rule of rules) expect(rule.health, rule.name).not.toBe("err");
  });
});
