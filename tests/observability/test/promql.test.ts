import { describe, expect, it } from "vitest";
import { selectorsOf } from "./promql.js";

describe("selectorsOf", () => {
  it.each([
    [
      'sum by (code) (rate(tat_api_requests_total{action="CreateInvoker"}[1m]))',
      ['tat_api_requests_total{action="CreateInvoker"}'],
    ],
    ["histogram_quantile(0.5, sum by (le, action) (rate(x_bucket[5m])))", ["x_bucket"]],
    [
      '(max(a{state="waiting"}) > 0) and on() ((sum(rate(b[10m])) or vector(0)) == 0)',
      ['a{state="waiting"}', "b"],
    ],
    ['up{job="tat-bulk-worker"} == 0', ['up{job="tat-bulk-worker"}']],
    ['topk(5, sum by (code) (increase(c{status="FAILED"}[1h])))', ['c{status="FAILED"}']],
    ["min(tat_bulk_redis_up) == 0", ["tat_bulk_redis_up"]],
  ])("%s", (expr, expected) => {
    expect(selectorsOf(expr)).toEqual(expected);
  });
});
