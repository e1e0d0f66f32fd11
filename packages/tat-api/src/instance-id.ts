export const INSTANCE_TYPES = ["CVM", "LIGHTHOUSE", "MANAGED"] as const;
export type InstanceType = (typeof INSTANCE_TYPES)[number];

/** `ins-` CVM, `lhins-` Lighthouse, `rins-` TAT managed instance; then 8 of [a-z0-9]. */
export const INSTANCE_ID_PATTERN = /^(?:ins|lhins|rins)-[a-z0-9]{8}$/;

const PREFIX_TYPES: ReadonlyArray<readonly [string, InstanceType]> = [
  ["ins-", "CVM"],
  ["lhins-", "LIGHTHOUSE"],
  ["rins-", "MANAGED"],
];

/** The instance type an ID names, or undefined when its prefix is none of TAT's. */
export function instanceTypeOf(id: string): InstanceType | undefined {
  for (const [prefix, type] of PREFIX_TYPES) if (id.startsWith(prefix)) return type;
  return undefined;
}
