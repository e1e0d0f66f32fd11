import pLimit from "p-limit";

/**
 * `promise`, unless `signal` aborts first: then it rejects with the signal's reason, and `promise`
 * is left to settle on its own (its outcome is ignored).
 */
export function abortable<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) {
    promise.catch(() => undefined);
    return Promise.reject(signal.reason);
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(error);
      },
    );
  });
}

/**
 * One FIFO queue per key, made on first use: in a process, one waiter per bucket talks to Redis at
 * a time and the others queue behind it. A waiter whose `signal` aborts leaves the queue at once,
 * and, when it is the one at the head, frees the head for the next even if what it was waiting on
 * (a Redis answer lost to a restart) never comes: one stuck waiter never holds a bucket.
 */
export function serialPerKey(): <T>(key: string, task: () => Promise<T>, signal?: AbortSignal) => Promise<T> {
  const queues = new Map<string, ReturnType<typeof pLimit>>();
  return (key, task, signal) => {
    const queue = queues.get(key) ?? pLimit(1);
    queues.set(key, queue);
    return abortable(
      queue(() => (signal?.aborted ? Promise.reject(signal.reason) : abortable(task(), signal))),
      signal,
    );
  };
}
