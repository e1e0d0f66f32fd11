import { cvmIds, sampleBatch } from "../fixtures.js";
import type { IntakeCaller } from "../intake-caller.js";

/** A batch the intake answered 202 for: the chaos run owes it a final state. */
export interface AcceptedBatch {
  batchId: string;
  instanceIds: string[];
  acceptedAt: number;
  /** Which caller submitted it (its index in the load's callers). */
  caller?: number;
}

export interface LoadOptions {
  /** One per caller: each submission goes to the next. */
  callers: readonly IntakeCaller[];
  everyMs: number;
  /** Instances per batch, drawn between the two: evenly, or log-uniformly (many small, a few large). */
  sizes: readonly [number, number];
  spread?: "even" | "log";
  /** Share of accepted batches cancelled a few seconds later (their invokers disabled). */
  cancelShare?: number;
  /** Share of submissions that also retry an earlier batch's failed instances. */
  retryShare?: number;
  /**
   * Their schedule: the sample's monthly RECURRENCE (default), or ONCE this long after the submit:
   * the invokers fire during the run, their runs are followed, and the batches can expire after it.
   */
  onceAfterMs?: number;
  random: () => number;
}

/** A ONCE InvokeTime `ms` from now, in whole seconds as TAT writes it. */
const invokeTimeIn = (ms: number) =>
  new Date(Math.ceil((Date.now() + ms) / 1000) * 1000).toISOString().replace(/\.000Z$/, "Z");

/**
 * Submits a batch every `everyMs` until stopped, each of fresh instance IDs (so that a duplicate
 * invoker at the simulator is always a real one), from each caller in turn; cancels some soon
 * after and retries earlier ones. A submission the intake refuses (503 while Redis is away or
 * full) or that fails on the way is counted, not retried: only 202s are owed a final state.
 */
export function startLoad(options: LoadOptions) {
  const accepted: AcceptedBatch[] = [];
  const refused = new Map<number, number>();
  const actions = { cancels: 0, retries: 0 };
  let next = 0;
  let turn = 0;
  let stopped = false;
  let inFlight = Promise.resolve();
  const later: Promise<unknown>[] = [];
  const size = () => {
    const [min, max] = options.sizes;
    if (options.spread === "log")
      return Math.round(Math.exp(Math.log(min) + options.random() * Math.log(max / min)));
    return min + Math.floor(options.random() * (max - min + 1));
  };
  const submitOne = async () => {
    const caller = turn++ % options.callers.length;
    const api = options.callers[caller];
    if (!api) return;
    const instanceIds = cvmIds(size(), next);
    next += instanceIds.length;
    const body =
      options.onceAfterMs === undefined
        ? sampleBatch(instanceIds)
        : {
            ...sampleBatch(instanceIds),
            ScheduleSettings: { Policy: "ONCE", InvokeTime: invokeTimeIn(options.onceAfterMs) },
          };
    const answer = await api
      .call<{ BatchId?: string }>("POST", "/v1/invoker-batches", body)
      .catch(() => undefined);
    if (answer?.status === 202 && answer.body.BatchId) {
      const batchId = answer.body.BatchId;
      accepted.push({ batchId, instanceIds, acceptedAt: Date.now(), caller });
      if (options.random() < (options.cancelShare ?? 0)) {
        const delay = options.random() * 5000;
        later.push(
          new Promise((resolve) => setTimeout(resolve, delay))
            .then(() => api.call("DELETE", `/v1/invoker-batches/${batchId}`))
            .then((a) => {
              if (a.status === 200) actions.cancels++;
            })
            .catch(() => undefined),
        );
      }
    } else {
      const status = answer?.status ?? 0;
      refused.set(status, (refused.get(status) ?? 0) + 1);
    }
    if (accepted.length > 0 && options.random() < (options.retryShare ?? 0)) {
      const earlier = accepted[Math.floor(options.random() * accepted.length)];
      const owner = earlier ? options.callers[earlier.caller ?? 0] : undefined;
      const retried =
        earlier && owner
          ? await owner
              .call("POST", `/v1/invoker-batches/${earlier.batchId}/retry`, {})
              .catch(() => undefined)
          : undefined;
      if (retried?.status === 202) actions.retries++;
    }
  };
  const timer = setInterval(() => {
    if (stopped) return;
    inFlight = inFlight.then(submitOne);
  }, options.everyMs);
  return {
    accepted,
    refused,
    actions,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await inFlight;
      await Promise.all(later);
    },
  };
}
