/** PromQL words that look like metric names but are not. */
const NOT_METRICS = new Set([
  "sum",
  "min",
  "max",
  "avg",
  "count",
  "topk",
  "bottomk",
  "rate",
  "increase",
  "irate",
  "by",
  "without",
  "on",
  "ignoring",
  "and",
  "or",
  "unless",
  "histogram_quantile",
  "vector",
  "absent",
  "le",
  "offset",
  "bool",
  "group_left",
  "group_right",
  "count_values",
  "quantile",
  "stddev",
  "stdvar",
  "delta",
  "deriv",
  "clamp_min",
  "clamp_max",
  "time",
  "scalar",
  "label_replace",
  "abs",
]);

/**
 * The series selectors of a PromQL expression (`name{matchers}` or a bare name), found by a
 * tokenizer that skips strings, label lists after by/without/on, and durations.
 */
export function selectorsOf(expr: string): string[] {
  const selectors: string[] = [];
  const cleaned = expr.replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, " ");
  const pattern = /([a-zA-Z_:][a-zA-Z0-9_:]*)\s*(\{[^}]*\})?/g;
  let inString = false;
  for (let i = 0; i < cleaned.length; ) {
    const ch = cleaned[i] ?? "";
    if (ch === '"') {
      inString = !inString;
      i++;
      continue;
    }
    if (inString) {
      i++;
      continue;
    }
    if (ch === "[") {
      i = cleaned.indexOf("]", i) + 1;
      continue;
    }
    if (ch === "{") {
      i = cleaned.indexOf("}", i) + 1;
      continue;
    }
    pattern.lastIndex = i;
    const match =
      /[a-zA-Z_:]/.test(ch) && (i === 0 || !/[a-zA-Z0-9_:.]/.test(cleaned[i - 1] ?? ""))
        ? pattern.exec(cleaned)
        : null;
    if (match && match.index === i) {
      const [whole, name = "", matchers = ""] = match;
      const next = cleaned.slice(i + whole.length).trimStart()[0];
      if (!NOT_METRICS.has(name) && next !== "(") selectors.push(`${name}${matchers}`);
      i += whole.length;
      continue;
    }
    i++;
  }
  return selectors;
}
