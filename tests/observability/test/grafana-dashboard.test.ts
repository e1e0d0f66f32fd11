import { describe, expect, it } from "vitest";
import { type Dashboard, readDashboard, readYaml } from "./deploy-files.js";

describe("the Grafana dashboard", () => {
  it("has a query and a known datasource in every panel, and provisioning that points at it", async () => {
    const dashboard = await readDashboard();
    const datasources = await readYaml<{ datasources: Array<{ uid: string; type: string }> }>(
      "grafana/provisioning/datasources/prometheus.yml",
    );
    const known = new Set(datasources.datasources.map((d) => `${d.type}/${d.uid}`));
    expect(dashboard.panels.length).toBeGreaterThanOrEqual(8);
    for (const panel of dashboard.panels) {
      expect(panel.targets?.length, panel.title).toBeGreaterThan(0);
      expect(known.has(`${panel.datasource?.type}/${panel.datasource?.uid}`), panel.title).toBe(true);
      for (const target of panel.targets ?? []) expect(target.expr, panel.title).toMatch(/\S/);
    }
    const providers = await readYaml<{ providers: Array<{ type: string; options: { path: string } }> }>(
      "grafana/provisioning/dashboards/tat-bulk.yml",
    );
    expect(providers.providers[0]?.type).toBe("file");
  });

  it("links a batch to its trace, and the latency panel's exemplars to Jaeger", async () => {
    const dashboard = await readDashboard<
      Dashboard & { links?: Array<{ url: string }>; templating?: { list: Array<{ name: string }> } }
    >();
    expect(dashboard.templating?.list.map((v) => v.name)).toContain("batch");
    // Grafana's variable, as the link spells it (not a template string of this file).
    const variable = "$" + "{batch}";
    const link = dashboard.links?.find((l) => l.url.includes(variable));
    expect(decodeURIComponent(link?.url ?? "")).toContain(`{"tat_bulk.batch_id":"${variable}"}`);
    const latency = dashboard.panels.find((p) => p.title.startsWith("TAT API latency"));
    expect(latency?.targets?.every((t) => (t as { exemplar?: boolean }).exemplar === true)).toBe(true);
    const { datasources } = await readYaml<{
      datasources: Array<{
        uid: string;
        type: string;
        jsonData?: { exemplarTraceIdDestinations?: Array<{ name: string; datasourceUid: string }> };
      }>;
    }>("grafana/provisioning/datasources/prometheus.yml");
    const destination = datasources.find((d) => d.type === "prometheus")?.jsonData
      ?.exemplarTraceIdDestinations?.[0];
    // trace_id: the exemplar label the workers write (worker-metrics.ts).
    expect(destination?.name).toBe("trace_id");
    expect(datasources.find((d) => d.uid === destination?.datasourceUid)?.type).toBe("jaeger");
  });
});
