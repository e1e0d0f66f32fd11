import { type Processor, Worker, type WorkerOptions } from "bullmq";
import type { Logger } from "pino";

/** A BullMQ consumer of one of the worker's queues, started and stopped with the app. */
export interface Consumer {
  start(): void;
  /** Stops taking jobs and waits for the running ones up to `graceMs`, then closes anyway. */
  close(graceMs: number): Promise<void>;
}

export function consumer<T>(
  queueName: string,
  processor: Processor<T>,
  options: Omit<WorkerOptions, "autorun">,
  logger: Logger,
): Consumer {
  const worker = new Worker<T>(queueName, processor, { ...options, autorun: false });
  worker.on("error", (error) => logger.warn({ queue: queueName, err: error.message }, "worker error"));
  worker.on("failed", (job, error) =>
    logger.warn({ queue: queueName, jobId: job?.id, err: error.message }, "job failed"),
  );
  return {
    start() {
      void worker
        .run()
        .catch((error: unknown) => logger.error({ queue: queueName, err: error }, "worker stopped"));
    },
    async close(graceMs) {
      const drained = worker.close();
      const grace = new Promise<"timeout">((resolve) =>
        setTimeout(() => resolve("timeout"), graceMs).unref(),
      );
      if ((await Promise.race([drained, grace])) === "timeout") {
        logger.warn({ queue: queueName, graceMs }, "grace period over; closing with jobs in flight");
        await worker.close(true);
      }
    },
  };
}
