import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import {
  cvmIds,
  intakeCaller,
  type ProcessStack,
  sampleBatch,
  startProcessStack,
} from "@tat-bulk/test-support";
import { verifyWebhookSignature } from "@tat-bulk/webhooks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KEYS, securityCallersFile, WEBHOOK_SECRETS } from "./security-harness.js";

interface Received {
  path: string;
  signature: string;
  body: string;
}

let stack: ProcessStack;
let receiver: Server;
const received: Received[] = [];
let port = 0;
beforeAll(async () => {
  receiver = createServer((req, res) => {
    let body = "";
    req.on("data", (d: Buffer) => (body += d.toString()));
    req.on("end", () => {
      received.push({ path: req.url ?? "", signature: String(req.headers["tat-bulk-signature"]), body });
      res.end("ok");
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  port = (receiver.address() as AddressInfo).port;
  const callers = securityCallersFile();
  // The receiver is listed by IP (allowed though loopback), and by a name that resolves to loopback.
  const hosts = `127.0.0.1:${port},localhost:${port}`;
  stack = await startProcessStack({
    name: "security-webhooks",
    intakeEnv: { INTAKE_CALLERS_FILE: callers, WEBHOOK_ALLOWED_HOSTS: hosts },
    workerEnv: {
      INTAKE_CALLERS_FILE: callers,
      WEBHOOK_ALLOWED_HOSTS: hosts,
      WEBHOOK_SIGNING_SECRET: WEBHOOK_SECRETS.global,
      WEBHOOK_RETRY_BASE_MS: "100",
    },
  });
});
afterAll(async () => {
  await stack.close();
  await new Promise((resolve) => receiver.close(resolve));
});

let offset = 0;
async function submitWithCallback(key: string, url: string): Promise<string> {
  offset += 100;
  const api = intakeCaller(stack.intake.ready, key);
  const { BatchId } = await api.post<{ BatchId: string }>("/v1/invoker-batches", {
    ...sampleBatch(cvmIds(100, offset)),
    CallbackUrl: url,
  });
  await api.waitForBatch(BatchId, 30_000);
  return BatchId;
}

async function deliveryOf(batchId: string): Promise<Received | undefined> {
  for (let i = 0; i < 100; i++) {
    const found = received.find((r) => r.body.includes(batchId));
    if (found) return found;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return undefined;
}

const verifies = (delivery: Received, secret: string) =>
  verifyWebhookSignature({ secret, header: delivery.signature, body: delivery.body });

describe("webhooks, attacked", () => {
  it("signs a caller's events with its own secret, which no other caller's receiver holds; the body names the caller", async () => {
    const mine = await deliveryOf(
      await submitWithCallback(KEYS.ordinary, `http://127.0.0.1:${port}/ordinary`),
    );
    if (!mine) throw new Error("no delivery");
    expect(verifies(mine, WEBHOOK_SECRETS.ordinary)).toBe(true);
    expect(verifies(mine, WEBHOOK_SECRETS.global)).toBe(false);
    expect(JSON.parse(mine.body)).toMatchObject({ Type: "batch.finished", Caller: "ordinary" });
    // A caller without a secret of its own: the global one, which cannot sign "ordinary"'s events.
    const theirs = await deliveryOf(
      await submitWithCallback(KEYS.limited, `http://127.0.0.1:${port}/limited`),
    );
    if (!theirs) throw new Error("no delivery");
    expect(verifies(theirs, WEBHOOK_SECRETS.global)).toBe(true);
    expect(verifies(theirs, WEBHOOK_SECRETS.ordinary)).toBe(false);
  });

  it("never delivers to a name that resolves to a loopback address, though the allow-list names it", async () => {
    const batchId = await submitWithCallback(KEYS.ordinary, `http://localhost:${port}/by-name`);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(received.some((r) => r.body.includes(batchId))).toBe(false);
    const metrics = await (await fetch(`${stack.worker?.ready}/metrics`)).text();
    expect(metrics).toMatch(/tat_bulk_webhook_deliveries_total\{outcome="refused"\} [1-9]/);
  });

  it("lets a host listed without a port be called on its standard port only", async () => {
    const strict = await stack.startIntake({
      QUEUE_NAME: "security-webhooks",
      INTAKE_CALLERS_FILE: securityCallersFile(),
      WEBHOOK_ALLOWED_HOSTS: "127.0.0.1",
    });
    const answer = await intakeCaller(strict.ready, KEYS.ordinary).call<{ Error: { Code: string } }>(
      "POST",
      "/v1/invoker-batches",
      { ...sampleBatch(cvmIds(1, 90_000)), CallbackUrl: `http://127.0.0.1:${port}/any-port` },
    );
    expect([answer.status, answer.body.Error?.Code]).toEqual([400, "InvalidParameterValue"]);
  });
});
