import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { appCommand } from "@tat-bulk/config";
import Ajv2019 from "ajv/dist/2019.js";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));

interface Service {
  build?: string | { context: string; dockerfile?: string };
  image?: string;
  command?: string[];
  env_file?: string | string[];
  environment?: Record<string, string>;
  ports?: string[];
  volumes?: string[];
  depends_on?: string[] | Record<string, unknown>;
  profiles?: string[];
  deploy?: { replicas?: number };
  stop_grace_period?: string;
}
interface Compose {
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
}

/**
 * The 2021 schema still marks its definitions with draft-04's `id`, which Ajv refuses; they are
 * names only (every reference is a JSON pointer), so they are dropped. Property maps are kept as is.
 */
function withoutLegacyIds(node: unknown, isPropertyMap = false): unknown {
  if (Array.isArray(node)) return node.map((item) => withoutLegacyIds(item));
  if (typeof node !== "object" || node === null) return node;
  return Object.fromEntries(
    Object.entries(node)
      .filter(([key, value]) => isPropertyMap || key !== "id" || typeof value !== "string")
      .map(([key, value]) => [
        key,
        withoutLegacyIds(value, !isPropertyMap && /^(properties|patternProperties|definitions)$/.test(key)),
      ]),
  );
}

async function loadCompose(): Promise<{ raw: unknown; compose: Compose }> {
  const raw = parse(await readFile(join(ROOT, "docker-compose.yml"), "utf8"), { merge: true }) as unknown;
  return { raw, compose: raw as Compose };
}

describe("docker-compose.yml", () => {
  it("is valid against the Compose specification's JSON schema", async () => {
    const { $schema: draft, ...schema } = JSON.parse(
      await readFile(join(ROOT, "deploy/compose-spec/compose-spec.json"), "utf8"),
    ) as Record<string, unknown>;
    // The file names draft 2019-09 with an older URL that Ajv does not know by that name.
    expect(draft).toMatch(/2019-09/);
    // Formats such as "duration" are Compose's own; the structure is what is checked.
    const ajv = new Ajv2019.default({ strict: false, allErrors: true, validateFormats: false });
    const validate = ajv.compile(withoutLegacyIds(schema) as object);
    const { raw } = await loadCompose();
    const valid = validate(raw);
    expect(validate.errors ?? [], JSON.stringify(validate.errors, null, 2)).toEqual([]);
    expect(valid).toBe(true);
  });

  it("references only things that exist: build context, app entry points, bind mounts, volumes, env file, dependencies", async () => {
    const { compose } = await loadCompose();
    const volumes = new Set(Object.keys(compose.volumes ?? {}));
    const services = new Set(Object.keys(compose.services));
    for (const [name, service] of Object.entries(compose.services)) {
      if (service.build) {
        const context = typeof service.build === "string" ? service.build : service.build.context;
        const dockerfile =
          typeof service.build === "string" ? "Dockerfile" : (service.build.dockerfile ?? "Dockerfile");
        expect(existsSync(join(ROOT, context, dockerfile)), `${name}: ${context}/${dockerfile}`).toBe(true);
        // The image runs `node <command>`: the built entry point comes from a source file in the repo.
        const entry = service.command?.at(-1) ?? "";
        expect(
          existsSync(join(ROOT, entry.replace("/dist/", "/src/").replace(/\.js$/, ".ts"))),
          `${name}: ${entry}`,
        ).toBe(true);
      }
      for (const volume of service.volumes ?? []) {
        const source = volume.split(":")[0] ?? "";
        if (source.startsWith(".")) expect(existsSync(join(ROOT, source)), `${name}: ${source}`).toBe(true);
        else expect(volumes.has(source), `${name}: volume ${source} is declared`).toBe(true);
      }
      const envFiles = typeof service.env_file === "string" ? [service.env_file] : (service.env_file ?? []);
      for (const file of envFiles) {
        // The env file holds secrets and is not committed; its example is.
        expect(existsSync(join(ROOT, `${file}.example`)), `${name}: ${file}.example`).toBe(true);
      }
      const deps = Array.isArray(service.depends_on)
        ? service.depends_on
        : Object.keys(service.depends_on ?? {});
      for (const dep of deps) expect(services.has(dep), `${name} depends on ${dep}`).toBe(true);
      for (const port of service.ports ?? []) expect(port, `${name}: port mapping`).toMatch(/^\d+:\d+$/);
    }
    expect(existsSync(join(ROOT, ".gitignore"))).toBe(true);
    expect(await readFile(join(ROOT, ".gitignore"), "utf8")).toMatch(/^\.env$/m);
  });

  it("launches every app with the Node flags its package.json asks for: compose, Dockerfile, npm scripts", async () => {
    const { compose } = await loadCompose();
    const scripts = (
      JSON.parse(await readFile(join(ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> }
    ).scripts;
    const dockerfile = await readFile(join(ROOT, "Dockerfile"), "utf8");
    // Relative to the repository, as the image, compose and the npm scripts spell them.
    const command = (app: string) => appCommand(join(ROOT, "apps", app)).map((arg) => arg.replace(ROOT, ""));
    for (const app of ["intake", "worker", "tat-sim"]) {
      expect(compose.services[app]?.command, `compose ${app}`).toEqual(command(app));
      expect(scripts[`start:${app}`], `npm run start:${app}`).toBe(`node ${command(app).join(" ")}`);
    }
    const intake = command("intake");
    expect(intake.length, "the intake asks for flags").toBeGreaterThan(1);
    expect(dockerfile, "the image's default command is the intake").toContain(
      `CMD ${JSON.stringify(intake)}`,
    );
  });

  it("runs the worker as replicas with a stop grace period that fits its SIGTERM drain", async () => {
    const { compose } = await loadCompose();
    const worker = compose.services.worker;
    expect(worker?.deploy?.replicas).toBe(3);
    const graceMs = Number(worker?.environment?.WORKER_GRACE_MS ?? 15_000);
    const stopSeconds = Number(/^(\d+)s$/.exec(worker?.stop_grace_period ?? "")?.[1] ?? 0);
    expect(stopSeconds * 1000).toBeGreaterThan(graceMs);
    expect(compose.services["tat-sim"]?.profiles).toEqual(["sim"]);
    const redis = compose.services.redis;
    const command = redis?.command?.join(" ");
    expect(command).toContain("--appendonly yes --appendfsync everysec");
    // A limit the intake's watermark reads, and no eviction at it (the processes refuse eviction).
    expect(command).toContain("--maxmemory 1gb --maxmemory-policy noeviction");
  });

  it("has Prometheus scrape targets that match the services and their ports", async () => {
    const { compose } = await loadCompose();
    const config = parse(await readFile(join(ROOT, "deploy/prometheus/prometheus.yml"), "utf8")) as {
      scrape_configs: Array<{
        job_name: string;
        static_configs?: Array<{ targets: string[] }>;
        dns_sd_configs?: Array<{ names: string[]; port: number }>;
      }>;
    };
    const targets = config.scrape_configs.flatMap((job) => [
      ...(job.static_configs ?? []).flatMap((s) => s.targets),
      ...(job.dns_sd_configs ?? []).flatMap((d) => d.names.map((n) => `${n}:${d.port}`)),
    ]);
    expect(targets.sort()).toEqual(["intake:8080", "tat-sim:4600", "worker:9464"]);
    for (const target of targets) {
      const [service = "", port] = target.split(":");
      expect(compose.services[service]?.environment?.PORT, target).toBe(port);
    }
    const prometheus = compose.services.prometheus;
    expect(prometheus?.volumes).toContain("./deploy/prometheus:/etc/prometheus:ro");
  });

  it("traces to the Jaeger it runs (OTLP/HTTP), whose UI the console links to, and keeps exemplars", async () => {
    const { compose } = await loadCompose();
    const jaeger = compose.services.jaeger;
    expect(jaeger?.image).toMatch(/^jaegertracing\/all-in-one:/);
    expect(jaeger?.ports).toEqual(expect.arrayContaining(["16686:16686", "4318:4318"]));
    for (const app of ["intake", "worker"]) {
      expect(compose.services[app]?.environment?.OTEL_EXPORTER_OTLP_ENDPOINT, app).toBe("http://jaeger:4318");
    }
    expect(compose.services.intake?.environment?.CONSOLE_TRACE_URL).toBe(
      "http://localhost:16686/trace/{traceId}",
    );
    expect(compose.services.prometheus?.command).toContain("--enable-feature=exemplar-storage");
  });

  it("ships an env example with every variable the services need", async () => {
    const example = await readFile(join(ROOT, ".env.example"), "utf8");
    for (const name of [
      "INTAKE_API_KEYS",
      "TENCENTCLOUD_SECRET_ID",
      "TENCENTCLOUD_SECRET_KEY",
      "TAT_ENDPOINT",
    ]) {
      expect(example).toMatch(new RegExp(`^${name}=`, "m"));
    }
  });
});
