/** HIGH and NORMAL share a budget (HIGH the larger part); LOW goes when neither has work, and ages into NORMAL. */
export const LANES = ["HIGH", "NORMAL", "LOW"] as const;
export type Lane = (typeof LANES)[number];

export const isLane = (value: unknown): value is Lane => (LANES as readonly unknown[]).includes(value);

/** HIGH's share of a budget while NORMAL has work too, unless configured (SCHED_HIGH_SHARE). */
export const DEFAULT_HIGH_SHARE = 0.9;
