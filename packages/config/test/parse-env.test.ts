import { describe, expect, it } from "vitest";
import { ConfigError, envField, parseEnv, z } from "../src/index.js";

const schema = z.object({
  PORT: envField.port(8080),
  RATE: envField.positiveInt(20),
  KEYS: envField.list().pipe(z.array(z.string()).min(1)),
  SECRET: z.string().min(10),
});

describe("parseEnv", () => {
  it("applies defaults and types, and treats empty variables as unset", () => {
    expect(parseEnv(schema, { PORT: "", KEYS: "a, b,,c", SECRET: "0123456789" })).toEqual({
      PORT: 8080,
      RATE: 20,
      KEYS: ["a", "b", "c"],
      SECRET: "0123456789",
    });
  });

  it("names every bad variable, never its value", () => {
    let error: unknown;
    try {
      parseEnv(schema, { PORT: "70000", RATE: "-1", SECRET: "short-secret-value".slice(0, 5) });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    for (const name of ["PORT", "RATE", "KEYS", "SECRET"]) expect(message).toContain(`${name}:`);
    expect(message).not.toContain("short");
  });
});
