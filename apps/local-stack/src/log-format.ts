const LEVELS: Record<number, string> = {
  10: "TRACE",
  20: "DEBUG",
  30: "INFO ",
  40: "WARN ",
  50: "ERROR",
  60: "FATAL",
};
const SKIP = new Set(["level", "time", "msg", "pid", "hostname", "app"]);

/** One pino JSON line as a short human line; anything else passes through unchanged. */
export function formatLogLine(line: string): string {
  if (!line.startsWith("{")) return line;
  try {
    const record = JSON.parse(line) as Record<string, unknown>;
    const time = typeof record.time === "number" ? new Date(record.time).toISOString().slice(11, 19) : "";
    const level = LEVELS[Number(record.level)] ?? "     ";
    const fields = Object.entries(record)
      .filter(([key]) => !SKIP.has(key))
      .map(([key, value]) => `${key}=${typeof value === "string" ? value : JSON.stringify(value)}`)
      .join(" ");
    return `${time} ${level} ${String(record.msg ?? "")}${fields ? `  ${fields}` : ""}`;
  } catch {
    return line;
  }
}
