import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { fixture } from "@tat-bulk/test-support/fixture";
import { verifyWebhookSignature } from "@tat-bulk/webhooks";
import { describe, expect, it } from "vitest";
import { cvmIds, startStack } from "./worker-harness.js";

const SECRET = "whsec-test-0123456789abcdef";

/** A receiver that records every delivery and answers what `answer` says. */
async function startReceiver() {
  const received: Array<{ body: string; signature: string; eventId: string }> = [];
  let answer = 200;
  const read = (req: IncomingMessage) =>
    new Promise<string>((resolve) => {
      let body = "";
      req.on("data", (d: Buffer) => (body += d.toString()));
      req.on("end", () => resolve(body));
    });
  const server: Server = createServer(async (req, res) => {
    received.push({
      body: await read(req),
      signature: String(req.headers["tat-bulk-signature"] ?? ""),
      eventId: String(req.headers["tat-bulk-event-id"] ?? ""),
    });
    res.writeHead(answer).end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    host: `127.0.0.1:${port}`,
    received,
    answer: (status: number) => {
      answer = status;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const stack = fixture(() =>
  startStack({
    simEnv: { TAT_SIM_RATE_LIMIT: "1000", TAT_SIM_RATE_LIMITS: "DescribeAutomationAgentStatus=1000" },
  }),
);
const receiver = fixture(startReceiver);
const webhookEnv = () => ({
  TAT_RATE_LIMIT: "1000",
  TAT_RATE_LIMITS: "DescribeAutomationAgentStatus=1000",
  WEBHOOK_ALLOWED_HOSTS: receiver().host,
  WEBHOOK_SIGNING_SECRET: SECRET,
  WEBHOOK_RETRY_BASE_MS: "100",
});
const waitFor = async (what: string, check: () => boolean, timeoutMs = 15_000) => {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
};

describe("completion webhooks", () => {
  it("POSTs a signed batch.finished event; a 500 is tried again with the same EventId and body", async () => {
    const s = stack();
    const r = receiver();
    r.received.length = 0;
    r.answer(500);
    const { store } = await s.lane(webhookEnv());
    const batchId = await s.submit(cvmIds(150), { CallbackUrl: r.url }, store);
    await s.waitForBatch(batchId, 10_000, store);
    await waitFor("a first try", () => r.received.length >= 1);
    r.answer(200);
    await waitFor("a second try", () => r.received.length >= 2);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(r.received).toHaveLength(2);
    const [first, second] = r.received;
    expect(second?.eventId).toBe(first?.eventId);
    expect(second?.body).toBe(first?.body);
    const event = JSON.parse(second?.body ?? "{}") as Record<string, unknown>;
    expect(event).toMatchObject({
      EventId: second?.eventId,
      Type: "batch.finished",
      BatchId: batchId,
      Status: "SUCCEEDED",
      Instances: { Succeeded: 150, Failed: 0 },
      StopReason: null,
      FinishedAt: expect.any(String),
    });
    expect(
      verifyWebhookSignature({ secret: SECRET, header: second?.signature, body: second?.body ?? "" }),
    ).toBe(true);
    expect(
      verifyWebhookSignature({
        secret: "whsec-other-0123456789",
        header: second?.signature,
        body: second?.body ?? "",
      }),
    ).toBe(false);
  });

  it("is still delivered after the worker restarts, and never for a batch without a CallbackUrl", async () => {
    const s = stack();
    const r = receiver();
    r.received.length = 0;
    r.answer(503);
    const { store, worker } = await s.lane(webhookEnv());
    const quiet = await s.submit(cvmIds(10, 500), {}, store);
    const batchId = await s.submit(cvmIds(10, 600), { CallbackUrl: r.url }, store);
    await s.waitForBatch(quiet, 10_000, store);
    await s.waitForBatch(batchId, 10_000, store);
    await waitFor("a failing try", () => r.received.length >= 1);
    await worker.close();
    r.answer(200);
    const tries = r.received.length;
    await s.startWorker({ ...webhookEnv(), QUEUE_NAME: store.queue.name });
    await waitFor("the delivery by the new worker", () => r.received.length > tries);
    expect(new Set(r.received.map((d) => JSON.parse(d.body).BatchId))).toEqual(new Set([batchId]));
  });
});
