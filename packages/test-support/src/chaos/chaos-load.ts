import { cvmIds, sampleBatch } from "../fixtures.js";
import type { IntakeCaller } from "../intake-caller.js";

/** A batch the intake answered 202 for: the chaos run owes it a final state. */
export interface AcceptedBatch {
  batchId: string;
  instanceIds: string[];
  acceptedAt: number;
}

export interface LoadOptions {
  api: IntakeCaller;
  everyMs: number;
  /** Instances per batch, drawn evenly between the two. */
  sizes: readonly [number, number];
  random: () => number;
}

/**
 * Submits a batch every `everyMs` until stopped, each of fresh instance IDs (so that a duplicate
 * invoker at the simulator is always a real one). A submission the intake refuses (503 while Redis
 * is away) or that fails on the way is counted, not retried: only 202s are owed a final state.
 */
export function startLoad(options: LoadOptions) {
  const accepted: AcceptedBatch[] = [];
  const refused = new Map<number, number>();
  let next = 0;
  let stopped = false;
  let inFlight = Promise.resolve();
  const submitOne = async () => {
    const [min, max] = options.sizes;
    const size = min + Math.floor(options.random() * (max - min + 1));
    const instanceIds = cvmIds(size, next);
    next += size;
    const answer = await options.api
      .call<{ BatchId?: string }>("POST", "/v1/invoker-batches", sampleBatch(instanceIds))
      .catch(() => undefined);
    if (answer?.status === 202 && answer.body.BatchId) {
      accepted.push({ batchId: answer.body.BatchId, instanceIds, acceptedAt: Date.now() });
    } else {
      const status = answer?.status ?? 0;
      refused.set(status, (refused.get(status) ?? 0) + 1);
    }
  };
  const timer = setInterval(() => {
    if (stopped) return;
    inFlight = inFlight.then(submitOne);
  }, options.everyMs);
  return {
    accepted,
    refused,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await inFlight;
    },
  };
}
