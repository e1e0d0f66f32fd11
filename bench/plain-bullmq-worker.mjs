// The baseline: what a user would write with plain BullMQ — its fixed-window limiter
// ({max: 20, duration: 1000}), concurrency 20, the official SDK, BullMQ's own retries.
import { TatClient } from "@tat-bulk/tat-client";
import { Worker } from "bullmq";

const env = process.env;
const client = new TatClient({
  endpoint: env.TAT_ENDPOINT,
  secretId: env.TENCENTCLOUD_SECRET_ID,
  secretKey: env.TENCENTCLOUD_SECRET_KEY,
  timeoutMs: 10_000,
});
const worker = new Worker(
  env.QUEUE_NAME,
  async (job) => {
    const result = await client.call("CreateInvoker", "ap-guangzhou", job.data.request);
    if (!result.ok) throw new Error(result.code);
    return result.response.InvokerId;
  },
  { connection: { url: env.REDIS_URL }, concurrency: 20, limiter: { max: 20, duration: 1000 } },
);
worker.on("error", () => {});
console.log(JSON.stringify({ health: "plain-bullmq ready" }));
process.on("SIGTERM", async () => {
  await worker.close();
  client.close();
  process.exit(0);
});
