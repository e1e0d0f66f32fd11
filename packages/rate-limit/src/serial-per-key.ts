import pLimit from "p-limit";

/**
 * One FIFO queue per key, made on first use: in a process, one waiter per bucket talks to Redis at
 * a time and the others queue behind it.
 */
export function serialPerKey(): <T>(key: string, task: () => Promise<T>) => Promise<T> {
  const queues = new Map<string, ReturnType<typeof pLimit>>();
  return (key, task) => {
    const queue = queues.get(key) ?? pLimit(1);
    queues.set(key, queue);
    return queue(task);
  };
}
