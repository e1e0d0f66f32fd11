// npm run generate -w @tat-bulk/client: writes src/generated/openapi.ts from the built intake's
// OpenAPI document (the same one its /openapi.json serves).
import { writeFile } from "node:fs/promises";
import { buildOpenApiDocument } from "@tat-bulk/intake/openapi";
import { openapiTypes } from "./openapi-types.mjs";

const target = new URL("../src/generated/openapi.ts", import.meta.url);
await writeFile(target, await openapiTypes(buildOpenApiDocument()));
console.log(`wrote ${target.pathname}`);
