import { describe, expect, it } from "vitest";
import { firstOccurrences } from "../src/first-occurrences.js";

/** What a Set says: 1 where a value is seen for the first time. */
function reference(values: readonly string[]): number[] {
  const seen = new Set<string>();
  return values.map((value) => {
    const before = seen.size;
    seen.add(value);
    return seen.size > before ? 1 : 0;
  });
}

describe("firstOccurrences", () => {
  it("marks first occurrences and repeats, as a Set would", () => {
    expect([...firstOccurrences(["a", "b", "a", "c", "b", "a"])]).toEqual([1, 1, 0, 1, 0, 0]);
    expect([...firstOccurrences([])]).toEqual([]);
    expect([...firstOccurrences(["", ""])]).toEqual([1, 0]);
  });

  it("agrees with a Set on many values, most hashes colliding in the table", () => {
    // 20,000 draws from 5,000 values: the table (32,768 slots) sees long probe runs.
    const values = Array.from({ length: 20_000 }, (_, i) => `ins-${((i * 7919) % 5000).toString(36)}`);
    expect([...firstOccurrences(values)]).toEqual(reference(values));
  });

  it("tells apart strings whose hashes collide", () => {
    // A known pair with the same 32-bit FNV-1a hash: one slot, two different members.
    const a = "costarring";
    const b = "liquid";
    const values = [a, b, a, b, `${a}x`];
    expect([...firstOccurrences(values)]).toEqual(reference(values));
  });
});
