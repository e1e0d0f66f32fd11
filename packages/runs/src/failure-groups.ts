import { createHash } from "node:crypto";
import type { TaskStatus } from "@tat-bulk/tat-api";
import type { FailureGroup } from "./run-types.js";

/** How much of a masked output a group keeps to tell itself from others and show. */
const KEPT = 2000;
const SAMPLE = 200;

/**
 * An output with what names one instance or one moment masked: the instance's own ID and any
 * other instance ID, IP addresses, long hex strings (request and trace IDs) and long numbers
 * (durations, ports, counters). 3,000 failures that are one bug, each naming its own instance, read
 * the same.
 */
export function maskOutput(output: string, instanceId: string): string {
  return output
    .split(instanceId)
    .join("<instance>")
    .replace(/\b(?:ins|lhins|rins)-[a-z0-9]{8}\b/g, "<instance>")
    .replace(/\b\d{1,3}(?:\.\d{1,3}){3}\b/g, "<ip>")
    .replace(/\b[0-9a-f]*:[0-9a-f:]{6,}\b/gi, "<ip>")
    .replace(/\b[0-9a-f]{8,}\b/gi, "<hex>")
    .replace(/\b\d{4,}\b/g, "<n>");
}

/** A failed task as its group stores it: the group's key, and the masked output it keeps. */
export function groupOf(status: TaskStatus, exitCode: number | null, output: string, instanceId: string) {
  const masked = maskOutput(output, instanceId).slice(0, KEPT);
  const key = createHash("sha1")
    .update(`${status}|${exitCode ?? ""}|${masked}`)
    .digest("hex")
    .slice(0, 16);
  return { key, masked };
}

/** A group as stored: its status, exit code, masked output and count. */
export interface StoredGroup {
  TaskStatus: TaskStatus;
  ExitCode: number | null;
  Masked: string;
  Count: number;
}

/**
 * The groups as the API shows them, largest first, each with a sample: its first line that not
 * every group has (what tells it apart), or its first 200 characters.
 */
export function showGroups(groups: readonly StoredGroup[]): FailureGroup[] {
  const linesOf = (g: StoredGroup) => g.Masked.split("\n").filter((line) => line.trim() !== "");
  const everywhere = (line: string) => groups.every((g) => linesOf(g).includes(line));
  return [...groups]
    .sort((a, b) => b.Count - a.Count || a.Masked.localeCompare(b.Masked))
    .map((g) => {
      const telling = groups.length > 1 ? linesOf(g).find((line) => !everywhere(line)) : undefined;
      return {
        TaskStatus: g.TaskStatus,
        ExitCode: g.ExitCode,
        OutputSample: (telling ?? g.Masked).slice(0, SAMPLE),
        Count: g.Count,
      };
    });
}
