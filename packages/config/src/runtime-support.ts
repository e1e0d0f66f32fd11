/**
 * When each Node.js line stops getting security fixes (nodejs.org/en/about/previous-releases: an
 * even major, released in April, is supported until April 30 three years later; an odd one,
 * released in October, until June 1 of the next year). A line not listed is judged by that rule.
 */
const END_OF_LIFE: Readonly<Record<number, string>> = {
  18: "2025-04-30",
  20: "2026-04-30",
  22: "2027-04-30",
  24: "2028-04-30",
  26: "2029-04-30",
};

function endOfLife(major: number): Date {
  const listed = END_OF_LIFE[major];
  if (listed) return new Date(`${listed}T00:00:00Z`);
  // Node 4 came in 2015, and one even and one odd major every year since.
  const year = 2015 + Math.floor((major - 4) / 2);
  return major % 2 === 0 ? new Date(Date.UTC(year + 3, 3, 30)) : new Date(Date.UTC(year + 1, 5, 1));
}

/** Why this runtime should not run a deployment (past its end of life), or undefined. */
export function runtimeWarning(version = process.versions.node, now = new Date()): string | undefined {
  const major = Number(version.split(".")[0]);
  if (!Number.isInteger(major)) return undefined;
  const end = endOfLife(major);
  if (now < end) return undefined;
  return `Node.js ${version} reached its end of life on ${end.toISOString().slice(0, 10)} and gets no security fixes: run tat-bulk on Node.js 24 LTS or newer (Node 20 is for development only)`;
}

/** Logs runtimeWarning at start, when there is one: every service's main calls it. */
export function warnIfRuntimeEndOfLife(log: { warn(details: object, message: string): void }): void {
  const warning = runtimeWarning();
  if (warning) log.warn({ node: process.versions.node }, warning);
}
