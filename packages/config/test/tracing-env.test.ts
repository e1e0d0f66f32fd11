import { tracesUrl } from "@tat-bulk/tracing";
import { describe, expect, it } from "vitest";
import { ConfigError, parseEnv, tracingEnv, z } from "../src/index.js";

const schema = z.object(tracingEnv("tat-bulk-test"));

describe("the OpenTelemetry variables", () => {
  it("leave tracing off unless an endpoint is set, also when it is set empty", () => {
    const off = parseEnv(schema, {});
    expect(off).toMatchObject({
      OTEL_SERVICE_NAME: "tat-bulk-test",
      OTEL_EXPORTER_OTLP_PROTOCOL: "http/protobuf",
      OTEL_TRACES_SAMPLER: "parentbased_always_on",
      OTEL_SDK_DISABLED: false,
    });
    expect(tracesUrl(off)).toBeUndefined();
    expect(tracesUrl(parseEnv(schema, { OTEL_EXPORTER_OTLP_ENDPOINT: "" }))).toBeUndefined();
  });

  it("send spans to the endpoint's /v1/traces, or to the traces endpoint as given; OTEL_SDK_DISABLED wins", () => {
    const endpoint = { OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318/" };
    expect(tracesUrl(parseEnv(schema, endpoint))).toBe("http://collector:4318/v1/traces");
    const traces = { ...endpoint, OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "https://x.example/otlp/traces" };
    expect(tracesUrl(parseEnv(schema, traces))).toBe("https://x.example/otlp/traces");
    expect(tracesUrl(parseEnv(schema, { ...endpoint, OTEL_SDK_DISABLED: "true" }))).toBeUndefined();
    expect(parseEnv(schema, { OTEL_EXPORTER_OTLP_HEADERS: "x-api-key=abc,x-team=ops" })).toMatchObject({
      OTEL_EXPORTER_OTLP_HEADERS: new Map([
        ["x-api-key", "abc"],
        ["x-team", "ops"],
      ]),
    });
  });

  it("refuse what tat-bulk cannot honour, naming the variable", () => {
    for (const [name, value] of [
      ["OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"],
      ["OTEL_EXPORTER_OTLP_ENDPOINT", "collector:4318"],
      ["OTEL_TRACES_SAMPLER", "jaeger_remote"],
      ["OTEL_TRACES_SAMPLER_ARG", "2"],
    ] as const) {
      expect(() => parseEnv(schema, { [name]: value })).toThrow(ConfigError);
      expect(() => parseEnv(schema, { [name]: value })).toThrow(`${name}:`);
    }
  });
});
