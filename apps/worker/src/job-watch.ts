/** Why a job was put back: it made no progress for its stall deadline. */
export class JobStalledError extends Error {
  override name = "JobStalledError";
}

/**
 * A job's deadline for progress. The job's steps tell it when they get somewhere (`touch`: a TAT
 * answer, a chunk write); past `stallMs` without, `signal` aborts with JobStalledError and
 * `stalled` resolves: every wait the job is in (a rate-limit slot, a circuit breaker, a queue
 * behind another waiter) ends, and the job is put back instead of being held, whatever it was
 * waiting for (a Redis answer lost to a restart included).
 */
export class JobWatch {
  private readonly controller = new AbortController();
  private last = performance.now();
  private readonly timer: NodeJS.Timeout;
  readonly stalled: Promise<void>;

  constructor(private readonly stallMs: number) {
    let onStall: () => void = () => undefined;
    this.stalled = new Promise<void>((resolve) => {
      onStall = resolve;
    });
    this.timer = setInterval(
      () => {
        if (performance.now() - this.last < this.stallMs) return;
        clearInterval(this.timer);
        this.controller.abort(new JobStalledError(`no progress for ${this.stallMs} ms`));
        onStall();
      },
      Math.max(10, Math.min(1000, stallMs / 4)),
    );
    this.timer.unref();
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** The job got somewhere: its deadline starts again. */
  touch(): void {
    this.last = performance.now();
  }

  /** The job ended: no deadline any more. Idempotent. */
  dispose(): void {
    clearInterval(this.timer);
  }
}

/**
 * Runs a job's work under a watch: its outcome, or `onStall()` once it stalls (the work is left
 * behind: its waits end on the aborted signal, and its writes are compare-and-set, so a late one
 * changes nothing another run has changed since).
 */
export async function watched<T>(
  stallMs: number,
  work: (watch: JobWatch) => Promise<T>,
  onStall: () => T,
): Promise<T> {
  const watch = new JobWatch(stallMs);
  try {
    const running = work(watch);
    return await Promise.race([running, watch.stalled.then(onStall)]);
  } finally {
    watch.dispose();
  }
}

/** `work`'s outcome, or "late" once `ms` passed first (the work is left to settle on its own). */
export async function beforeDeadline<T>(work: Promise<T>, ms: number): Promise<T | "late"> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<"late">((resolve) => {
    timer = setTimeout(() => resolve("late"), ms);
  });
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}
