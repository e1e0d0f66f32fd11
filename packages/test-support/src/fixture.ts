import { afterAll, beforeAll } from "vitest";

/**
 * A resource a whole test file shares: started before its first test, closed after its last.
 * Answers a getter, so that a file reads `const intake = fixture(startIntake)` and then
 * `intake().request(…)`. Kept out of the package's main entry: benchmarks import that, outside vitest.
 */
export function fixture<T extends { close(): Promise<unknown> }>(start: () => Promise<T>): () => T {
  let value: T | undefined;
  beforeAll(async () => {
    value = await start();
  }, 60_000);
  afterAll(async () => {
    await value?.close();
  });
  return () => {
    if (value === undefined) throw new Error("fixture used before beforeAll ran");
    return value;
  };
}
