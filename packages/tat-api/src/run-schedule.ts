import cronParser from "cron-parser";
import type { ScheduleSettings } from "./create-invoker-schema.js";
import { parseInvokeTime } from "./invoke-time.js";

/** TAT reads a Recurrence in Beijing time (UTC+8, no daylight saving). */
export const TAT_TIME_ZONE = "Asia/Shanghai";

/**
 * The times a schedule fires in (afterMs, untilMs], at most `limit` of them, as epoch ms: a ONCE
 * schedule its InvokeTime, a RECURRENCE each time its crontab names in Beijing time (cron-parser).
 */
export function firingTimes(
  schedule: ScheduleSettings,
  afterMs: number,
  untilMs: number,
  limit = 1000,
): number[] {
  if (untilMs <= afterMs) return [];
  if (schedule.Policy === "ONCE") {
    const at = schedule.InvokeTime ? parseInvokeTime(schedule.InvokeTime)?.getTime() : undefined;
    return at !== undefined && at > afterMs && at <= untilMs ? [at] : [];
  }
  if (!schedule.Recurrence) return [];
  const times: number[] = [];
  const it = cronParser.parseExpression(schedule.Recurrence, {
    currentDate: new Date(afterMs),
    endDate: new Date(untilMs),
    tz: TAT_TIME_ZONE,
  });
  while (times.length < limit && it.hasNext()) times.push(it.next().getTime());
  return times;
}

/** The schedule's first firing after `afterMs`, or undefined when it fires no more (a past ONCE). */
export function nextFiring(schedule: ScheduleSettings, afterMs: number): number | undefined {
  if (schedule.Policy === "ONCE") return firingTimes(schedule, afterMs, Number.MAX_SAFE_INTEGER)[0];
  if (!schedule.Recurrence) return undefined;
  const it = cronParser.parseExpression(schedule.Recurrence, {
    currentDate: new Date(afterMs),
    tz: TAT_TIME_ZONE,
  });
  return it.next().getTime();
}

/** A run of scheduled firings is named by its time in UTC: `20270101T000000Z`. */
export function runIdOf(scheduledMs: number): string {
  return new Date(scheduledMs)
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d{3}Z$/, "Z");
}

/** The scheduled time a run ID names, or undefined for a rerun's (`rerun-<n>`) or a malformed one. */
export function scheduledTimeOf(runId: string): number | undefined {
  const match = /^(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)Z$/.exec(runId);
  if (!match) return undefined;
  const [, y, mo, d, h, mi, s] = match;
  const ms = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s));
  return runIdOf(ms) === runId ? ms : undefined;
}
