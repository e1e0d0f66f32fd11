import { type RedisServer, startRedisServer } from "@tat-bulk/test-support";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { watchForLoss } from "../src/index.js";

let server: RedisServer;
beforeAll(async () => {
  server = await startRedisServer();
});
afterAll(async () => {
  await server?.close();
});

const ended = (client: Redis) => new Promise<void>((resolve) => client.once("end", () => resolve()));

describe("watchForLoss", () => {
  it("calls back once when the client gives up on its own", async () => {
    // A retry strategy that stops: the way ioredis ends a client nobody closed.
    const client = new Redis(server.url, { retryStrategy: () => null, maxRetriesPerRequest: 0 });
    client.on("error", () => undefined);
    let lost = 0;
    watchForLoss(client, () => lost++);
    await client.ping();
    const end = ended(client);
    await server.kill("SIGKILL");
    await end;
    expect(lost).toBe(1);
    await expect(client.ping()).rejects.toThrow("Connection is closed.");
    await server.restart();
  });

  it("stays quiet when the client is closed on purpose after release()", async () => {
    const client = new Redis(server.url);
    let lost = 0;
    const watch = watchForLoss(client, () => lost++);
    await client.ping();
    const end = ended(client);
    watch.release();
    client.disconnect();
    await end;
    expect(lost).toBe(0);
  });
});
