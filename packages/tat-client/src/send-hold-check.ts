import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { TatClient, type TatClientOptions } from "./tat-client.js";

/** What the start-up check found: whether a held call waits for its release, and if not, why. */
export type SendHoldCheck = { works: true } | { works: false; reason: string };

const HOLD_MS = 50;

/**
 * Proves, with the installed SDK, that a call given `holdUntil` leaves only once it settles: one
 * real call through the SDK to a server on 127.0.0.1, held for 50 ms. The hold relies on Node's
 * undocumented `Agent.addRequest` and on the SDK sending through the agent it is given; should an
 * SDK or Node change break either, a call would leave before its rate-limit slot, which this
 * catches at start (the worker then sends each call at its slot instead, see RateLimitedTat).
 */
export async function checkSendHold(
  options: { timeoutMs?: number; clientOf?: (options: TatClientOptions) => TatClient } = {},
): Promise<SendHoldCheck> {
  const { timeoutMs = 5000, clientOf = (o: TatClientOptions) => new TatClient(o) } = options;
  let arrivedAt: number | undefined;
  const server = createServer((req, res) => {
    arrivedAt ??= performance.now();
    req.resume();
    res.setHeader("content-type", "application/json");
    res.end(JSON.stringify({ Response: { RequestId: "send-hold-check" } }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const client = clientOf({
    endpoint: `http://127.0.0.1:${port}`,
    secretId: "send-hold-check",
    secretKey: "send-hold-check",
    timeoutMs,
  });
  try {
    let releasedAt = Number.POSITIVE_INFINITY;
    let sentAt: number | undefined;
    const holdUntil = new Promise<void>((resolve) =>
      setTimeout(() => {
        releasedAt = performance.now();
        resolve();
      }, HOLD_MS),
    );
    const result = await client.call(
      "DescribeInvokers",
      "ap-guangzhou",
      {},
      {
        holdUntil,
        onSent: (at) => {
          sentAt = at;
        },
      },
    );
    if (!result.ok) return { works: false, reason: `the held call failed: ${result.code} ${result.message}` };
    if (arrivedAt === undefined || arrivedAt < releasedAt)
      return { works: false, reason: "the held call reached the server before its release" };
    if (sentAt === undefined) return { works: false, reason: "the request's send was never reported" };
    return { works: true };
  } finally {
    client.close();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
