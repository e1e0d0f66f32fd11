import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ScaledObject } from "@kubernetes-models/keda/keda.sh/v1alpha1";
// The intake's metric declarations, from its build (the KEDA query must name a metric it exports).
import { createIntakeMetrics } from "@tat-bulk/intake/metrics";
import { workerEnvSchema } from "@tat-bulk/worker/env";
import { Deployment } from "kubernetes-models/apps/v1";
import { ConfigMap, Secret, Service } from "kubernetes-models/v1";
import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";

const DIR = new URL("../../../deploy/kubernetes/", import.meta.url);
type Manifest = { apiVersion: string; kind: string; metadata: { name: string }; [key: string]: unknown };

/** Every document of every file, with where it came from. */
const manifests: Array<{ file: string; doc: Manifest }> = readdirSync(DIR)
  .filter((f) => f.endsWith(".yaml"))
  .flatMap((file) =>
    parseAllDocuments(readFileSync(new URL(file, DIR), "utf8")).map((d) => ({
      file,
      doc: d.toJS() as Manifest,
    })),
  );

/** The schema each kind is validated against (kubernetes-models: Kubernetes' and KEDA's OpenAPI schemas). */
const MODELS: Record<string, { validate(): void } & (new (doc: never) => { validate(): void })> = {
  "apps/v1/Deployment": Deployment as never,
  "v1/Service": Service as never,
  "v1/ConfigMap": ConfigMap as never,
  "v1/Secret": Secret as never,
  "keda.sh/v1alpha1/ScaledObject": ScaledObject as never,
};

const find = (kind: string, name: string) => {
  const found = manifests.find(({ doc }) => doc.kind === kind && doc.metadata.name === name)?.doc;
  if (!found) throw new Error(`no ${kind} ${name}`);
  return found;
};
type Container = { env?: Array<{ name: string; value?: string; valueFrom?: unknown }> };
type DeploymentSpec = {
  spec: { template: { spec: { terminationGracePeriodSeconds?: number; containers: Container[] } } };
};

describe("deploy/kubernetes", () => {
  it("holds the intake, the workers, their Service, config, Secret, KEDA and Prometheus", () => {
    expect(manifests.map(({ doc }) => `${doc.kind}/${doc.metadata.name}`).sort()).toEqual([
      "ConfigMap/tat-bulk",
      "ConfigMap/tat-bulk-prometheus",
      "Deployment/tat-bulk-intake",
      "Deployment/tat-bulk-worker",
      "ScaledObject/tat-bulk-worker",
      "Secret/tat-bulk",
      "Service/tat-bulk-intake",
    ]);
  });

  it.each(manifests.map(({ file, doc }) => [`${file}: ${doc.kind}/${doc.metadata.name}`, doc] as const))(
    "%s validates against its schema",
    (_name, doc) => {
      const Model = MODELS[`${doc.apiVersion}/${doc.kind}`];
      if (!Model) throw new Error(`no schema for ${doc.apiVersion} ${doc.kind}`);
      expect(() => new Model(doc as never).validate()).not.toThrow();
    },
  );

  it("refuses a manifest that breaks its schema (the validation can fail)", () => {
    const broken = structuredClone(find("Deployment", "tat-bulk-worker")) as Manifest & {
      spec: { replicas: unknown };
    };
    broken.spec.replicas = "two";
    expect(() => new Deployment(broken as never).validate()).toThrow();
  });

  it("gives the workers a grace period longer than WORKER_GRACE_MS, and takes secrets only from the Secret", () => {
    const worker = find("Deployment", "tat-bulk-worker") as unknown as DeploymentSpec;
    const pod = worker.spec.template.spec;
    const env = pod.containers[0]?.env ?? [];
    const graceMs = Number(
      env.find((e) => e.name === "WORKER_GRACE_MS")?.value ??
        workerEnvSchema.shape.WORKER_GRACE_MS.parse(undefined),
    );
    expect((pod.terminationGracePeriodSeconds ?? 30) * 1000).toBeGreaterThan(graceMs + 5000);
    for (const name of ["tat-bulk-worker", "tat-bulk-intake"]) {
      const containers = (find("Deployment", name) as unknown as DeploymentSpec).spec.template.spec
        .containers;
      for (const variable of containers.flatMap((c) => c.env ?? [])) {
        if (/KEY|SECRET|TOKEN/.test(variable.name))
          expect(variable.valueFrom).toMatchObject({ secretKeyRef: { name: "tat-bulk" } });
      }
    }
  });

  it("scales the workers with KEDA on a metric the intake exports, capped", () => {
    const scaled = find("ScaledObject", "tat-bulk-worker") as unknown as {
      spec: {
        scaleTargetRef: { name: string };
        maxReplicaCount: number;
        triggers: Array<{ type: string; metadata: { query: string } }>;
      };
    };
    expect(scaled.spec.scaleTargetRef.name).toBe("tat-bulk-worker");
    expect(scaled.spec.maxReplicaCount).toBeGreaterThan(0);
    expect(scaled.spec.maxReplicaCount).toBeLessThanOrEqual(8);
    const query = scaled.spec.triggers[0]?.metadata.query ?? "";
    expect(scaled.spec.triggers[0]?.type).toBe("prometheus");
    const exported = createIntakeMetrics(() => ({}) as never)
      .registry.getMetricsAsArray()
      .map((m) => m.name);
    for (const name of query.match(/tat_bulk_[a-z_]+/g) ?? []) expect(exported).toContain(name);
    expect(query).toContain("scheduled");
  });

  it("ships a Prometheus configuration that promtool accepts, with the shipped rules", () => {
    const config =
      (find("ConfigMap", "tat-bulk-prometheus") as unknown as { data: Record<string, string> }).data[
        "prometheus.yml"
      ] ?? "";
    const dir = mkdtempSync(join(tmpdir(), "k8s-prometheus-"));
    writeFileSync(join(dir, "alerts.yml"), readFileSync(new URL("../prometheus/alerts.yml", DIR)));
    // Debian builds Prometheus without Kubernetes discovery: its promtool checks everything else
    // (relabelling, rules), with the discovery swapped for a static target.
    const checkable = config
      .replace("/etc/prometheus/rules/alerts.yml", join(dir, "alerts.yml"))
      .replace(/kubernetes_sd_configs:\n\s+- role: pod/, 'static_configs: [{ targets: ["127.0.0.1:9464"] }]');
    expect(checkable).not.toContain("kubernetes_sd_configs");
    writeFileSync(join(dir, "prometheus.yml"), checkable);
    expect(() =>
      execFileSync("promtool", ["check", "config", join(dir, "prometheus.yml")], { stdio: "pipe" }),
    ).not.toThrow();
  });
});
