/**
 * The BullMQ queues of one namespace, named in one place: what the workers consume, and what
 * retention clears of a batch that expired. The chunk queue is the namespace's own name.
 */
export const queueNames = (queueName: string) => ({
  chunks: queueName,
  invokers: `${queueName}-invokers`,
  runs: `${queueName}-runs`,
  webhooks: `${queueName}-webhooks`,
});

/** A webhook delivery's job ID is its event's: `evt-<batch ID>-…` (settle-batch.lua, run-finish.lua). */
export const eventBatchId = (eventId: string): string | undefined =>
  /^evt-(bat-[0-9a-f]+)-/.exec(eventId)?.[1];

/** The one job that follows a batch's runs (its ID names the batch, so a batch has one follower). */
export const followJobId = (batchId: string) => `follow-${batchId}`;
