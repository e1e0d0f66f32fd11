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
  // Most calls (a follower's round, a retention sweep) find nothing due: answered from the memo.
  const first = nextFiring(schedule, afterMs);
  if (first === undefined || first > untilMs) return [];
  const times: number[] = [];
  const it = cronParser.parseExpression(schedule.Recurrence, {
    currentDate: new Date(afterMs),
    endDate: new Date(untilMs),
    tz: TAT_TIME_ZONE,
  });
  while (times.length < limit && it.hasNext()) times.push(it.next().getTime());
  return times;
}

/**
 * Per Recurrence, its last answer: every time in [from, next) has the same next firing. cron-parser
 * takes about a millisecond per answer in a time zone (it walks the calendar through luxon), and the
 * simulator, the workers' followers and retention ask for the same few schedules over and over.
 */
const recent = new Map<string, { from: number; next: number }>();
const RECENT_MAX = 1000;

/** The schedule's first firing after `afterMs`, or undefined when it fires no more (a past ONCE). */
export function nextFiring(schedule: ScheduleSettings, afterMs: number): number | undefined {
  if (schedule.Policy === "ONCE") return firingTimes(schedule, afterMs, Number.MAX_SAFE_INTEGER)[0];
  if (!schedule.Recurrence) return undefined;
  const known = recent.get(schedule.Recurrence);
  if (known && afterMs >= known.from && afterMs < known.next) return known.next;
  const next = cronParser
    .parseExpression(schedule.Recurrence, { currentDate: new Date(afterMs), tz: TAT_TIME_ZONE })
    .next()
    .getTime();
  if (recent.size >= RECENT_MAX) recent.clear();
  recent.set(schedule.Recurrence, { from: afterMs, next });
  return next;
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
