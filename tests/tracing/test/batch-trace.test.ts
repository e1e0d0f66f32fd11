import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import {
  cvmIds,
  freePort,
  intakeCaller,
  type OtlpReceiver,
  type ProcessStack,
  type ReceivedSpan,
  type ServiceProcess,
  sampleBatch,
  simulatorWorkerEnv,
  spawnProcess,
  startApp,
  startOtlpReceiver,
  startProcessStack,
} from "@tat-bulk/test-support";
import { afterEach, describe, expect, it } from "vitest";

const KEY = "tracing-test-key-0123456789abcdef";
const CHUNKS = 10;

let stack: ProcessStack | undefined;
let receiver: OtlpReceiver | undefined;
const extra: ServiceProcess[] = [];
afterEach(async () => {
  await Promise.all(extra.splice(0).map((p) => p.stop("SIGKILL")));
  await stack?.close();
  await receiver?.close();
  stack = undefined;
  receiver = undefined;
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Quick exports, and jobs of a killed worker taken over within seconds. */
const tracingEnv = (url: string, protocol: string) => ({
  OTEL_EXPORTER_OTLP_ENDPOINT: url,
  OTEL_EXPORTER_OTLP_PROTOCOL: protocol,
  OTEL_BSP_SCHEDULE_DELAY: "100",
});
const WORKER_ENV = {
  // Slow enough that chunks are in flight when the worker dies, and paced so that some are done.
  TAT_RATE_LIMIT: "4",
  TAT_TIMEOUT_MS: "3000",
  WORKER_JOB_STALL_MS: "5000",
  WORKER_LOCK_MS: "2000",
  WORKER_STALLED_INTERVAL_MS: "1000",
};

/** A real Prometheus with exemplar storage on (as compose runs it), scraping the worker every second. */
async function startPrometheus(tmp: string, workerUrl: string) {
  const config = {
    global: { scrape_interval: "1s" },
    scrape_configs: [
      { job_name: "tat-bulk-worker", static_configs: [{ targets: [new URL(workerUrl).host] }] },
    ],
  };
  await writeFile(join(tmp, "prometheus.yml"), JSON.stringify(config));
  const port = await freePort();
  const server = await spawnProcess(
    "prometheus",
    [
      `--config.file=${join(tmp, "prometheus.yml")}`,
      `--storage.tsdb.path=${join(tmp, "prometheus")}`,
      `--web.listen-address=127.0.0.1:${port}`,
      "--enable-feature=exemplar-storage",
    ],
    {},
    /Server is ready to receive web requests/,
  );
  return { url: `http://127.0.0.1:${port}`, server };
}

describe("one trace per batch, through real processes (OTLP http/json)", () => {
  it("holds the submit, every chunk and every TAT call, also of chunks taken over after a SIGKILL", async () => {
    receiver = await startOtlpReceiver();
    const otel = tracingEnv(receiver.url, "http/json");
    stack = await startProcessStack({
      name: "tracing",
      intakeEnv: { INTAKE_API_KEYS: KEY, ...otel },
      simEnv: { TAT_SIM_LATENCY_MS: "1200" },
      workerEnv: { ...WORKER_ENV, ...otel, OTEL_SERVICE_NAME: "worker-a" },
    });
    const first = stack.worker;
    if (!first) throw new Error("no worker");
    const api = intakeCaller(stack.intake.ready, KEY);
    const { BatchId } = await api.post<{ BatchId: string }>(
      "/v1/invoker-batches",
      sampleBatch(cvmIds(CHUNKS * 100)),
    );
    // Some chunks done, one at least waiting for TAT's answer: then the worker dies.
    for (let i = 0; i < 200; i++) {
      const { Counts } = await api.get<{ Counts: { Succeeded: number; Running: number } }>(
        `/v1/invoker-batches/${BatchId}?chunkLimit=0`,
      );
      if (Counts.Succeeded >= 2 && Counts.Running >= 1) break;
      await sleep(50);
    }
    first.child.kill("SIGKILL");
    await first.exited;
    const second = await startApp("worker", {
      ...stack.redisEnv,
      QUEUE_NAME: "tracing",
      ...simulatorWorkerEnv(stack.sim.ready),
      ...WORKER_ENV,
      ...otel,
      OTEL_SERVICE_NAME: "worker-b",
    });
    extra.push(second);
    const done = await api.waitForBatch(BatchId, 60_000);
    expect(done).toMatchObject({ Status: "SUCCEEDED" });
    const status = await api.get<{ TraceId: string | null }>(`/v1/invoker-batches/${BatchId}?chunkLimit=0`);
    expect(status.TraceId).toMatch(/^[0-9a-f]{32}$/);
    // The TAT latency buckets name a call of this trace as their exemplar (OpenMetrics).
    const metrics = await (await fetch(`${second.ready}/metrics`)).text();
    expect(metrics).toMatch(/^# EOF$/m);
    const exemplars = [
      ...metrics.matchAll(/^tat_api_request_duration_seconds_bucket\{[^}]*\} \S+ # \{trace_id="(\w+)"\}/gm),
    ].map((m) => m[1]);
    expect(exemplars.length).toBeGreaterThan(0);
    expect(new Set(exemplars)).toEqual(new Set([status.TraceId]));
    // The logs written in the batch's spans carry its trace: the intake's acceptance, the batch's end.
    const logged = (service: ServiceProcess, message: string) =>
      service
        .output()
        .split("\n")
        .filter((line) => line.includes(`"msg":"${message}"`))
        .map((line) => (JSON.parse(line) as { trace_id?: string; span_id?: string }).trace_id);
    expect(logged(stack.intake, "batch accepted")).toEqual([status.TraceId]);
    expect(logged(second, "batch finished")).toEqual([status.TraceId]);
    // Stopped as operators stop them: what they hold is exported on the way out.
    await second.stop("SIGTERM");
    await stack.intake.stop("SIGTERM");

    // BullMQ's upkeep (an empty fetch, the stalled check) opens no trace of its own.
    const upkeep = receiver.spans().filter((span) => !span.parentSpanId && /^getNextJob /.test(span.name));
    expect(upkeep).toEqual([]);
    const spans = receiver.spans().filter((span) => span.traceId === status.TraceId);
    const byId = new Map(spans.map((span) => [span.spanId, span]));
    const service = (span: ReceivedSpan) => span.resource["service.name"];
    // The root: the submit's request span (the validation and the batch's write run in it).
    const roots = spans.filter((span) => !span.parentSpanId);
    expect(roots.map((span) => [span.name, service(span)])).toEqual([
      ["POST /v1/invoker-batches", "tat-bulk-intake"],
    ]);
    const [root] = roots;
    expect(root?.attributes).toMatchObject({
      "tat_bulk.batch_id": BatchId,
      "tat_bulk.chunks": CHUNKS,
      "tat_bulk.write": "created",
      "http.response.status_code": 202,
    });
    // A tree: a span whose parent never arrived is the killed worker's (it died holding it).
    const orphans = spans.filter((span) => span.parentSpanId && !byId.has(span.parentSpanId));
    expect(orphans.filter((span) => service(span) !== "worker-a")).toEqual([]);
    // Every chunk has its span in the trace; those the killed worker held were ended by the other.
    const chunkSpans = spans.filter((span) => span.name === "chunk");
    const indexes = new Set(chunkSpans.map((span) => span.attributes["tat_bulk.chunk.index"]));
    expect([...indexes].sort((a, b) => Number(a) - Number(b))).toEqual([...Array(CHUNKS).keys()]);
    const takenOver = chunkSpans.filter((span) => service(span) === "worker-b");
    expect(takenOver.length).toBeGreaterThanOrEqual(1);
    // Each chunk span descends from the scheduler's pick through BullMQ's consumer span.
    for (const span of takenOver) {
      const consumer = byId.get(span.parentSpanId ?? "");
      expect(consumer?.name).toMatch(/^process /);
      expect(byId.get(consumer?.parentSpanId ?? "")?.name).toBe("schedule.pick");
    }
    // A span per TAT call, with its action, account, endpoint, attempt and TAT's RequestId.
    const calls = spans.filter((span) => span.name.startsWith("TAT "));
    const created = calls.filter((span) => span.attributes["tat.action"] === "CreateInvoker");
    expect(created.length).toBeGreaterThanOrEqual(CHUNKS - takenOver.length);
    for (const call of calls) {
      expect(call.attributes["tat.request_id"]).toMatch(/\S/);
      expect(call.attributes["tat.account"]).toBe("default");
      expect(call.attributes["server.address"]).toBe(stack.sim.ready);
    }
    expect(created.every((span) => Number(span.attributes["tat.attempt"]) >= 1)).toBe(true);
    // The other worker's calls for the chunks it took over: a look-up first, never a second invoker.
    expect(calls.some((span) => service(span) === "worker-b")).toBe(true);
  });
});

describe("OTLP http/protobuf, and exemplars in a real Prometheus", () => {
  it("exports the batch's spans as protobuf; Prometheus keeps a TAT call's trace as its bucket's exemplar", async () => {
    receiver = await startOtlpReceiver();
    const otel = tracingEnv(receiver.url, "http/protobuf");
    stack = await startProcessStack({
      name: "tracing-proto",
      intakeEnv: { INTAKE_API_KEYS: KEY, ...otel },
      workerEnv: otel,
    });
    const prometheus = await startPrometheus(stack.tmp, stack.worker?.ready ?? "");
    extra.push(prometheus.server);
    const api = intakeCaller(stack.intake.ready, KEY);
    const { BatchId } = await api.post<{ BatchId: string }>("/v1/invoker-batches", sampleBatch(cvmIds(200)));
    await api.waitForBatch(BatchId, 30_000);
    const { TraceId } = await api.get<{ TraceId: string }>(`/v1/invoker-batches/${BatchId}?chunkLimit=0`);
    // Scraped as OpenMetrics, the latency buckets' exemplars are stored with the batch's trace ID.
    const query = encodeURIComponent('tat_api_request_duration_seconds_bucket{action="CreateInvoker"}');
    let traceIds: string[] = [];
    for (let i = 0; i < 100 && !traceIds.includes(TraceId); i++) {
      await sleep(200);
      const answer = (await (
        await fetch(
          `${prometheus.url}/api/v1/query_exemplars?query=${query}&start=0&end=${Date.now() / 1000 + 60}`,
        )
      )
        .json()
        .catch(() => ({}))) as { data?: Array<{ exemplars: Array<{ labels: { trace_id?: string } }> }> };
      traceIds = (answer.data ?? []).flatMap((series) =>
        series.exemplars.map((e) => e.labels.trace_id ?? ""),
      );
    }
    expect(traceIds).toContain(TraceId);
    await stack.worker?.stop("SIGTERM");
    await stack.intake.stop("SIGTERM");
    // Trace IDs travel as 16 raw bytes: each side's export holds the batch's.
    const id = Buffer.from(TraceId, "hex");
    const holding = receiver.protobufBodies().filter((body) => body.includes(id));
    expect(holding.length).toBeGreaterThanOrEqual(2);
    expect(receiver.spans()).toEqual([]);
  });
});
