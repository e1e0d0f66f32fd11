import { type Agents, hashFraction } from "./agents.js";
import type { TaskPlan } from "./invocation-store.js";
import { newId } from "./invocation-store.js";

/** How the simulator's tasks go (TAT_SIM_TASK_*). */
export interface TaskSettings {
  /** Share of tasks on healthy agents that fail (a non-zero exit), and that time out. */
  failRate: number;
  timeoutRate: number;
  /** How long a task runs, plus a random 0..jitter; a timed-out one runs `timeoutMs`. */
  durationMs: number;
  durationJitterMs: number;
  timeoutMs: number;
  /** Share of tasks whose output is over TAT's 24 KB (cut, with Dropped). */
  largeOutputRate: number;
}

const octet = (text: string) => Math.floor(hashFraction(text) * 254) + 1;
/** An instance's private address, the same every time (outputs name it, as real ones do). */
const addressOf = (id: string) => `10.${octet(`${id}:a`)}.${octet(`${id}:b`)}.${octet(`${id}:c`)}`;
const hex = (text: string, n: number) =>
  Array.from({ length: n }, (_, i) => Math.floor(hashFraction(`${text}:${i}`) * 16).toString(16)).join("");

function failure(id: string, invocationId: string): { exitCode: number; output: string } {
  const head = `Running on ${id} (${addressOf(id)})\n`;
  if (hashFraction(`${invocationId}:${id}:kind`) < 0.5) {
    return {
      exitCode: 1,
      output: `${head}error: disk /dev/vda1 is full on ${id} (request ${hex(`${invocationId}:${id}`, 16)})\n`,
    };
  }
  const ms = 1000 + Math.floor(hashFraction(`${invocationId}:${id}:ms`) * 9000);
  return {
    exitCode: 7,
    output: `${head}error: mirror 10.0.0.5 unreachable from ${addressOf(id)}: connection timed out after ${ms} ms\n`,
  };
}

/**
 * The tasks of an invocation made at `now` on these instances: each one's end decided now, by a
 * hash of the invocation and the instance (so the simulator's truth is fixed the moment a call
 * is answered), and its times from the settings. An offline or missing agent: DELIVER_FAILED.
 */
export function planTasks(
  invocationId: string,
  instanceIds: readonly string[],
  agents: Agents,
  settings: TaskSettings,
  now: number,
): TaskPlan[] {
  return instanceIds.map((id) => {
    const key = `${invocationId}:${id}`;
    const deliverAt = now + 100 + Math.floor(hashFraction(`${key}:deliver`) * 200);
    const startAt = deliverAt + 50;
    const base = { InvocationTaskId: newId("invt"), InstanceId: id, deliverAt, startAt };
    const agent = agents.status(id);
    if (agent !== "Online") {
      const errorInfo = agent === "Offline" ? "The agent is offline" : "The instance has no agent";
      return { ...base, final: "DELIVER_FAILED", exitCode: 0, output: "", errorInfo, endAt: deliverAt };
    }
    const roll = hashFraction(`${key}:outcome`);
    const runFor =
      settings.durationMs + Math.floor(hashFraction(`${key}:duration`) * settings.durationJitterMs);
    const large =
      hashFraction(`${key}:large`) < settings.largeOutputRate
        ? `${"progress: ".padEnd(63, ".")}\n`.repeat(480)
        : "";
    if (roll < settings.failRate) {
      const { exitCode, output } = failure(id, invocationId);
      return {
        ...base,
        final: "FAILED",
        exitCode,
        output: large + output,
        errorInfo: "",
        endAt: startAt + runFor,
      };
    }
    if (roll < settings.failRate + settings.timeoutRate) {
      const output = `${large}Running on ${id} (${addressOf(id)})\nwaiting for lock /var/lib/dpkg/lock\n`;
      return {
        ...base,
        final: "TIMEOUT",
        exitCode: -1,
        output,
        errorInfo: "The command timed out",
        endAt: startAt + settings.timeoutMs,
      };
    }
    return {
      ...base,
      final: "SUCCESS",
      exitCode: 0,
      output: `${large}patched ${id}\nok\n`,
      errorInfo: "",
      endAt: startAt + runFor,
    };
  });
}
