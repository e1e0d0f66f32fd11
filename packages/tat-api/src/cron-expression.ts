import { CRON_FIELD_COUNT } from "./guessed-rules.js";

interface FieldSpec {
  name: string;
  min: number;
  max: number;
  names?: readonly string[];
}

const MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];
const DAYS = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

const FIELDS: readonly FieldSpec[] = [
  { name: "minute", min: 0, max: 59 },
  { name: "hour", min: 0, max: 23 },
  { name: "day of month", min: 1, max: 31 },
  { name: "month", min: 1, max: 12, names: MONTHS },
  // 7 is Sunday as well as 0, as in Vixie cron.
  { name: "day of week", min: 0, max: 7, names: DAYS },
];

const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function parseValue(token: string, spec: FieldSpec): number | undefined {
  if (/^\d{1,2}$/.test(token)) {
    const value = Number(token);
    return value >= spec.min && value <= spec.max ? value : undefined;
  }
  const index = spec.names?.indexOf(token.toUpperCase()) ?? -1;
  if (index < 0) return undefined;
  return spec.name === "month" ? index + 1 : index;
}

/** The set of values a field selects, or an error message. */
function parseField(text: string, spec: FieldSpec): Set<number> | string {
  const values = new Set<number>();
  for (const part of text.split(",")) {
    const match = /^([^/]+)(?:\/(\d{1,2}))?$/.exec(part);
    const range = match?.[1];
    if (!range) return `bad ${spec.name} field "${text}"`;
    const step = match[2] === undefined ? 1 : Number(match[2]);
    if (step < 1) return `step 0 in ${spec.name} field "${text}"`;
    let from: number | undefined;
    let to: number | undefined;
    if (range === "*") {
      from = spec.min;
      to = spec.max;
    } else {
      const bounds = range.split("-");
      if (bounds.length > 2) return `bad range in ${spec.name} field "${text}"`;
      from = parseValue(bounds[0] ?? "", spec);
      to = bounds.length === 2 ? parseValue(bounds[1] ?? "", spec) : match[2] === undefined ? from : spec.max;
    }
    if (from === undefined || to === undefined || from > to) {
      return `${spec.name} field "${text}" is outside ${spec.min}-${spec.max}`;
    }
    for (let v = from; v <= to; v += step) values.add(v);
  }
  return values;
}

export interface CronCheck {
  ok: boolean;
  message?: string;
}

/**
 * Checks a crontab expression as TAT reads it (five fields, Beijing time). Beyond syntax, a schedule
 * that can never fire (`0 0 30 2 *`) is refused: TAT would accept a schedule with no next run time
 * only to never run it, which is never what the caller meant.
 */
export function checkCronExpression(expression: string): CronCheck {
  const fields = expression.trim().split(/\s+/);
  if (fields.length !== CRON_FIELD_COUNT) {
    return { ok: false, message: `expected ${CRON_FIELD_COUNT} fields, got ${fields.length}` };
  }
  const parsed: Set<number>[] = [];
  for (const [i, spec] of FIELDS.entries()) {
    const result = parseField(fields[i] ?? "", spec);
    if (typeof result === "string") return { ok: false, message: result };
    parsed.push(result);
  }
  const [, , days, months] = parsed;
  const dayOfWeekRestricted = fields[4] !== "*";
  if (days && months && !dayOfWeekRestricted) {
    const possible = [...months].some((m) => [...days].some((d) => d <= (DAYS_IN_MONTH[m - 1] ?? 0)));
    if (!possible) return { ok: false, message: "the day of month never occurs in the selected months" };
  }
  return { ok: true };
}
