import Ajv2020 from "ajv/dist/2020.js";
import { expect } from "vitest";

/**
 * Checks response bodies against the intake's own /openapi.json: the document a typed client is
 * generated from must say what the intake really answers.
 */
export async function openApiValidator(baseUrl: string) {
  const document = (await (await fetch(`${baseUrl}/openapi.json`)).json()) as Record<string, unknown>;
  const ajv = new Ajv2020.default({ strict: false, allErrors: true, validateFormats: false });
  ajv.addSchema({ ...document, $id: "openapi" });
  return (schema: string, body: unknown) => {
    const valid = ajv.validate({ $ref: `openapi#/components/schemas/${schema}` }, body);
    expect(valid, `${schema}: ${ajv.errorsText(ajv.errors)}`).toBe(true);
  };
}
