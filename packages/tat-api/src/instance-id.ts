export const INSTANCE_TYPES = ["CVM", "LIGHTHOUSE", "MANAGED"] as const;
export type InstanceType = (typeof INSTANCE_TYPES)[number];

/** `ins-` CVM, `lhins-` Lighthouse, `rins-` TAT managed instance; then 8 of [a-z0-9]. */
export const INSTANCE_ID_PATTERN = /^(?:ins|lhins|rins)-[a-z0-9]{8}$/;

const PREFIX_TYPES: ReadonlyArray<readonly [string, InstanceType]> = [
  ["ins-", "CVM"],
  ["lhins-", "LIGHTHOUSE"],
  ["rins-", "MANAGED"],
];

const PREFIX_BY_FIRST_CHAR = new Map(PREFIX_TYPES.map((entry) => [entry[0].charCodeAt(0), entry]));

/** The instance type an ID names, or undefined when its prefix is none of TAT's. */
export function instanceTypeOf(id: string): InstanceType | undefined {
  // Called for every ID of a batch: the first character tells the prefixes apart.
  const candidate = PREFIX_BY_FIRST_CHAR.get(id.charCodeAt(0));
  return candidate && id.startsWith(candidate[0]) ? candidate[1] : undefined;
}
