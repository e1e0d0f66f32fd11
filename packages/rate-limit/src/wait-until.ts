/**
 * Resolves once performance.now() reaches `at`, never before: Node's timers tick in whole
 * milliseconds from a cached clock and can fire up to a millisecond early, so an early wake-up
 * waits again. (Waiting out the last millisecond on event-loop turns was tried: on a loaded CPU
 * the spinning made sends later, not earlier.)
 */
export async function waitUntil(at: number): Promise<void> {
  for (let left = at - performance.now(); left > 0; left = at - performance.now()) {
    await new Promise<void>((resolve) => setTimeout(resolve, Math.max(1, left)));
  }
}
