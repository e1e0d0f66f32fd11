/**
 * Helpers for a sorted array of times. The simulator times an arrival as its receipt plus its
 * transit jitter, so calls are handled slightly out of arrival order and counters insert in place.
 */

/** The index of the first time greater than `at`. */
export function upperBound(times: readonly number[], at: number): number {
  let lo = 0;
  let hi = times.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((times[mid] ?? at) <= at) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Inserts `at` after any equal times and returns its index. */
export function insertSorted(times: number[], at: number): number {
  const index = upperBound(times, at);
  times.splice(index, 0, at);
  return index;
}

/**
 * The most times in any `windowMs` (a window is `(end - windowMs, end]`) among the windows that
 * hold the time at `index`: each ends at that time or at a later one less than `windowMs` after.
 */
export function busiestWindowAround(times: readonly number[], index: number, windowMs: number): number {
  const at = times[index] ?? 0;
  let busiest = 0;
  for (let k = index; k < times.length && (times[k] ?? Infinity) < at + windowMs; k++) {
    const end = times[k] ?? at;
    busiest = Math.max(busiest, k - upperBound(times, end - windowMs) + 1);
  }
  return busiest;
}
