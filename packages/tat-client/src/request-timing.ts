import { AsyncLocalStorage } from "node:async_hooks";
import type { Agent, ClientRequest } from "node:http";

/** When a call's request may leave, and who hears when it did. */
export interface RequestTiming {
  /**
   * The request is prepared at once (signed, serialized) but handed to its agent, and so sent,
   * only once this settles: the SDK's preparation, milliseconds on a loaded process, happens before the
   * slot instead of after it.
   */
  holdUntil?: Promise<void>;
  /** Told when the request was handed to the OS (its `finish`), on performance.now()'s clock. */
  onSent?: (at: number) => void;
}

/** The SDK keeps its HTTP requests to itself: each call's timing travels in its async context. */
const timings = new AsyncLocalStorage<RequestTiming>();

type AddRequest = (request: ClientRequest, options: unknown) => void;

/**
 * Applies each call's timing to the requests `agent` is given. `addRequest` is how Node hands a
 * new request to its agent, synchronously in the caller's async context; it is not in Node's
 * typings, but agent libraries (agentkeepalive, http-proxy-agent) are built on it. A held request
 * is handed on when released: until it has a socket it buffers all it writes, as it does while an
 * agent has no free socket for it. (Corking cannot hold it: `end()` uncorks.)
 */
export function timeRequestsOf(agent: Agent): void {
  const target = agent as unknown as { addRequest: AddRequest };
  const addRequest: AddRequest = target.addRequest.bind(agent);
  target.addRequest = (request, options) => {
    const { onSent, holdUntil } = timings.getStore() ?? {};
    if (onSent) request.once("finish", () => onSent(performance.now()));
    if (!holdUntil) return addRequest(request, options);
    const release = () => {
      if (request.destroyed) return;
      try {
        addRequest(request, options);
      } catch (error) {
        request.destroy(error instanceof Error ? error : new Error(String(error)));
      }
    };
    holdUntil.then(release, release);
  };
}

/** Runs `run` with `timing` applied to each HTTP request it makes (through an agent given to timeRequestsOf). */
export function withRequestTiming<T>(timing: RequestTiming, run: () => Promise<T>): Promise<T> {
  if (!timing.holdUntil && !timing.onSent) return run();
  // A request made after the hold settled is handed on a microtask later: no flag to keep.
  return timings.run(timing, run);
}
