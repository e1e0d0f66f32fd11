import { describe, expect, it } from "vitest";
import { chunkInstances } from "../src/chunk-instances.js";
import { instanceTypeOf } from "../src/instance-id.js";

/** A small deterministic PRNG so a failing case can be replayed from its seed. */
function mulberry32(seed: number) {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomIds(random: () => number, count: number, distinct: number): string[] {
  const prefixes = ["ins-", "lhins-", "rins-"];
  return Array.from({ length: count }, () => {
    const n = Math.floor(random() * distinct);
    return `${prefixes[n % 3]}${n.toString(36).padStart(8, "0")}`;
  });
}

describe("chunkInstances", () => {
  it("keeps input order within a type and groups types in order of first appearance", () => {
    const ids = ["lhins-00000001", "ins-00000001", "lhins-00000002", "ins-00000002", "rins-00000001"];
    const { chunks } = chunkInstances(ids, 100);
    expect(chunks).toEqual([
      { index: 0, instanceType: "LIGHTHOUSE", instanceIds: ["lhins-00000001", "lhins-00000002"] },
      { index: 1, instanceType: "CVM", instanceIds: ["ins-00000001", "ins-00000002"] },
      { index: 2, instanceType: "MANAGED", instanceIds: ["rins-00000001"] },
    ]);
  });

  it("removes duplicates, keeping the first occurrence, and counts them", () => {
    const result = chunkInstances(["ins-0000000a", "ins-0000000b", "ins-0000000a", "ins-0000000a"], 100);
    expect(result.uniqueCount).toBe(2);
    expect(result.duplicatesRemoved).toBe(2);
    expect(result.chunks[0]?.instanceIds).toEqual(["ins-0000000a", "ins-0000000b"]);
  });

  it("cuts 250 CVM IDs into 100, 100, 50", () => {
    const ids = Array.from({ length: 250 }, (_, i) => `ins-${String(i).padStart(8, "0")}`);
    expect(chunkInstances(ids, 100).chunks.map((c) => c.instanceIds.length)).toEqual([100, 100, 50]);
  });

  it("holds its invariants over random inputs", () => {
    for (let seed = 1; seed <= 200; seed++) {
      const random = mulberry32(seed);
      const size = 1 + Math.floor(random() * 120);
      const ids = randomIds(random, Math.floor(random() * 2000), 1 + Math.floor(random() * 3000));
      const { chunks, uniqueCount, duplicatesRemoved } = chunkInstances(ids, size);
      const unique = [...new Set(ids)];
      expect(uniqueCount, `seed ${seed}`).toBe(unique.length);
      expect(duplicatesRemoved, `seed ${seed}`).toBe(ids.length - unique.length);
      // Every unique ID in exactly one chunk.
      const flat = chunks.flatMap((c) => c.instanceIds);
      expect(flat.length, `seed ${seed}`).toBe(unique.length);
      expect(new Set(flat).size, `seed ${seed}`).toBe(unique.length);
      // One type per chunk, at most `size`, indexes in sequence.
      chunks.forEach((chunk, i) => {
        expect(chunk.index).toBe(i);
        expect(chunk.instanceIds.length).toBeGreaterThan(0);
        expect(chunk.instanceIds.length).toBeLessThanOrEqual(size);
        for (const id of chunk.instanceIds) expect(instanceTypeOf(id)).toBe(chunk.instanceType);
      });
      // Fewest chunks: the sum over types of ceil(n / size).
      const perType = new Map<string, number>();
      for (const id of unique)
        perType.set(String(instanceTypeOf(id)), (perType.get(String(instanceTypeOf(id))) ?? 0) + 1);
      const minimal = [...perType.values()].reduce((sum, n) => sum + Math.ceil(n / size), 0);
      expect(chunks.length, `seed ${seed}`).toBe(minimal);
      // Input order kept within a type.
      for (const type of perType.keys()) {
        const expected = unique.filter((id) => instanceTypeOf(id) === type);
        const actual = chunks.filter((c) => c.instanceType === type).flatMap((c) => c.instanceIds);
        expect(actual, `seed ${seed}`).toEqual(expected);
      }
      // Deterministic.
      expect(chunkInstances(ids, size)).toEqual({ chunks, uniqueCount, duplicatesRemoved });
    }
  });
});
