import { UsageError } from "./exit-codes.js";
import { parseJson } from "./parse-json.js";

const LOOKS_LIKE_ID = /^[a-z]+-[a-z0-9]+$/i;

/**
 * Instance IDs from a file's text: a JSON array (or an object with InstanceIds), or lines where the
 * ID is the first comma/semicolon/tab/space-separated field (plain lists and CSV). A first line that
 * is not an ID is taken as a CSV header. The intake validates the IDs themselves.
 */
export function parseInstances(text: string): string[] {
  const trimmed = text.trim();
  if (trimmed.startsWith("[") || trimmed.startsWith("{")) {
    const value = parseJson(
      trimmed,
      () => new UsageError("the instances file looks like JSON but does not parse"),
    );
    const list = Array.isArray(value) ? value : (value as { InstanceIds?: unknown }).InstanceIds;
    if (!Array.isArray(list) || list.some((id) => typeof id !== "string")) {
      throw new UsageError('a JSON instances file must be an array of strings or {"InstanceIds": [...]}');
    }
    return list as string[];
  }
  const ids: string[] = [];
  const lines = trimmed.split(/\r?\n/);
  lines.forEach((line, i) => {
    const first =
      line
        .split(/[,;\t ]/)[0]
        ?.trim()
        .replace(/^"|"$/g, "") ?? "";
    if (!first || first.startsWith("#")) return;
    if (i === 0 && !LOOKS_LIKE_ID.test(first)) return;
    ids.push(first);
  });
  return ids;
}
