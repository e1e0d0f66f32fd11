import { describe, expect, it } from "vitest";
import { firingTimes, nextFiring, runIdOf, scheduledTimeOf } from "../src/run-schedule.js";

const at = (iso: string) => Date.parse(iso);

describe("firingTimes", () => {
  it("fires a ONCE schedule at its InvokeTime, offsets included", () => {
    const once = { Policy: "ONCE" as const, InvokeTime: "2027-01-01T08:00:00+08:00" };
    expect(firingTimes(once, at("2026-12-31T00:00:00Z"), at("2027-01-02T00:00:00Z"))).toEqual([
      at("2027-01-01T00:00:00Z"),
    ]);
    expect(firingTimes(once, at("2027-01-01T00:00:00Z"), at("2027-01-02T00:00:00Z"))).toEqual([]);
    expect(nextFiring(once, at("2027-01-01T00:00:01Z"))).toBeUndefined();
  });

  it("reads a Recurrence in Beijing time: 0 0 1 * * is midnight of the 1st there, 16:00 UTC the day before", () => {
    const monthly = { Policy: "RECURRENCE" as const, Recurrence: "0 0 1 * *" };
    expect(firingTimes(monthly, at("2026-12-02T00:00:00Z"), at("2027-03-01T00:00:00Z"))).toEqual([
      at("2026-12-31T16:00:00Z"),
      at("2027-01-31T16:00:00Z"),
      at("2027-02-28T16:00:00Z"),
    ]);
    const everyMinute = { Policy: "RECURRENCE" as const, Recurrence: "* * * * *" };
    expect(firingTimes(everyMinute, at("2026-12-02T00:00:30Z"), at("2026-12-02T00:03:00Z"))).toHaveLength(3);
    expect(nextFiring(everyMinute, at("2026-12-02T00:00:30Z"))).toBe(at("2026-12-02T00:01:00Z"));
  });
});

describe("nextFiring's memo", () => {
  it("answers as cron-parser does for times before, at, between and after firings, in any order", () => {
    const hourly = { Policy: "RECURRENCE" as const, Recurrence: "0 * * * *" };
    const times = [
      "2026-12-02T00:30:00Z",
      "2026-12-02T00:59:59.999Z",
      "2026-12-02T01:00:00Z",
      "2026-12-02T00:10:00Z",
      "2026-12-02T01:00:00.001Z",
      "2026-12-01T23:00:00Z",
      "2026-12-02T05:20:00Z",
    ];
    const expected = [
      "2026-12-02T01:00:00Z",
      "2026-12-02T01:00:00Z",
      "2026-12-02T02:00:00Z",
      "2026-12-02T01:00:00Z",
      "2026-12-02T02:00:00Z",
      "2026-12-02T00:00:00Z",
      "2026-12-02T06:00:00Z",
    ];
    expect(times.map((t) => new Date(nextFiring(hourly, at(t)) ?? 0).toISOString())).toEqual(
      expected.map((t) => new Date(at(t)).toISOString()),
    );
  });
});

describe("run IDs", () => {
  it("name a scheduled time in UTC, and read back", () => {
    expect(runIdOf(at("2027-01-01T00:00:00Z"))).toBe("20270101T000000Z");
    expect(scheduledTimeOf("20270101T000000Z")).toBe(at("2027-01-01T00:00:00Z"));
    expect(scheduledTimeOf("rerun-1")).toBeUndefined();
    expect(scheduledTimeOf("20271301T000000Z")).toBeUndefined();
  });
});
