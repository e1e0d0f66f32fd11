import { firstOccurrences } from "./first-occurrences.js";
import { INSTANCE_TYPES, type InstanceType, instanceTypeOf } from "./instance-id.js";

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
 *
 * Two passes, so that every chunk is allocated once at its final length: a 100,000-ID batch is
 * cut in a few milliseconds and leaves little garbage behind. Indexed loops: V8 ran `for...of`
 * here at half the speed.
 */
export function chunkInstances(ids: readonly string[], size: number): ChunkedInstances {
  const first = firstOccurrences(ids);
  // Per ID: 0 for a repeat, else 1 + its type's index in INSTANCE_TYPES.
  const typeOfId = new Uint8Array(ids.length);
  const counts = INSTANCE_TYPES.map(() => 0);
  const typeOrder: number[] = [];
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i];
    if (id === undefined || first[i] === 0) continue;
    const instanceType = instanceTypeOf(id);
    if (instanceType === undefined) throw new Error(`chunkInstances: "${id}" is not a TAT instance ID`);
    const type = INSTANCE_TYPES.indexOf(instanceType);
    const seen = counts[type] ?? 0;
    if (seen === 0) typeOrder.push(type);
    counts[type] = seen + 1;
    typeOfId[i] = type + 1;
  }
  const chunks: InstanceChunk[] = [];
  // Each type's chunks, in order, to be filled in the second pass.
  const slots: string[][][] = INSTANCE_TYPES.map(() => []);
  for (const type of typeOrder) {
    const count = counts[type] ?? 0;
    for (let start = 0; start < count; start += size) {
      const instanceIds = new Array<string>(Math.min(size, count - start));
      slots[type]?.push(instanceIds);
      chunks.push({ index: chunks.length, instanceType: INSTANCE_TYPES[type] ?? "CVM", instanceIds });
    }
  }
  const placed = INSTANCE_TYPES.map(() => 0);
  for (let i = 0; i < ids.length; i++) {
    const type = (typeOfId[i] ?? 0) - 1;
    if (type < 0) continue;
    const position = placed[type] ?? 0;
    placed[type] = position + 1;
    const chunk = slots[type]?.[Math.floor(position / size)];
    if (chunk) chunk[position % size] = ids[i] ?? "";
  }
  const uniqueCount = counts.reduce((a, b) => a + b, 0);
  return { chunks, uniqueCount, duplicatesRemoved: ids.length - uniqueCount };
}
