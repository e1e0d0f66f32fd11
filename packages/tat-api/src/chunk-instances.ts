import { type InstanceType, instanceTypeOf } from "./instance-id.js";

export interface InstanceChunk {
  index: number;
  instanceType: InstanceType;
  instanceIds: string[];
}

export interface ChunkedInstances {
  chunks: InstanceChunk[];
  uniqueCount: number;
  duplicatesRemoved: number;
}

/**
 * Removes duplicate IDs (first occurrence wins), groups by instance type in the order types first
 * appear, keeps input order within a type, and cuts each group into the fewest chunks of at most
 * `size`: TAT refuses a call that mixes types. Deterministic for a given input.
 * IDs must already be valid (see INSTANCE_ID_PATTERN).
 */
export function chunkInstances(ids: readonly string[], size: number): ChunkedInstances {
  const seen = new Set<string>();
  const groups = new Map<InstanceType, string[]>();
  for (const id of ids) {
    // One hash lookup per ID: add, and see whether the set grew.
    const before = seen.size;
    seen.add(id);
    if (seen.size === before) continue;
    const type = instanceTypeOf(id);
    if (type === undefined) throw new Error(`chunkInstances: "${id}" is not a TAT instance ID`);
    let group = groups.get(type);
    if (!group) {
      group = [];
      groups.set(type, group);
    }
    group.push(id);
  }
  const chunks: InstanceChunk[] = [];
  for (const [instanceType, group] of groups) {
    for (let start = 0; start < group.length; start += size) {
      chunks.push({ index: chunks.length, instanceType, instanceIds: group.slice(start, start + size) });
    }
  }
  return { chunks, uniqueCount: seen.size, duplicatesRemoved: ids.length - seen.size };
}
