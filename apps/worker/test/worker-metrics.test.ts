import { describe, expect, it } from "vitest";
import { createWorkerMetrics } from "../src/worker-metrics.js";

describe("the worker's metrics before anything happened", () => {
  it("has a zero series for each outcome the dashboard and alerts select, not none", async () => {
    const text = await createWorkerMetrics().registry.metrics();
    for (const series of [
      'tat_bulk_webhook_deliveries_total{outcome="delivered"} 0',
      'tat_bulk_webhook_deliveries_total{outcome="failed"} 0',
      'tat_bulk_invoker_actions_total{action="DisableInvoker",outcome="Success"} 0',
      'tat_bulk_invoker_actions_total{action="DeleteInvoker",outcome="Gone"} 0',
    ])
      expect(text).toContain(series);
  });
});
