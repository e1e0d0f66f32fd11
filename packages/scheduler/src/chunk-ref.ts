/** A chunk waiting to be sent: its index and round (each retry of a chunk is a round). */
export interface ChunkRef {
  index: number;
  round: number;
}

/** How a ref waits in its batch's list: "7" for round 0, "7:2" for round 2. */
export const encodeRef = ({ index, round }: ChunkRef) => (round === 0 ? String(index) : `${index}:${round}`);

export function decodeRef(text: string): ChunkRef | undefined {
  const match = /^(\d+)(?::(\d+))?$/.exec(text);
  if (!match) return undefined;
  return { index: Number(match[1]), round: Number(match[2] ?? 0) };
}
