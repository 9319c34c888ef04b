import { writeFileSync } from "node:fs";
import path from "node:path";
import { API_TYPES_FILE, apiTypesSource, openApiDocument } from "./api-types.js";

/** `npm run gen:api`: writes web/src/api/openapi.d.ts from the server's OpenAPI document. */
const source = await apiTypesSource(await openApiDocument());
writeFileSync(API_TYPES_FILE, source);
console.log(`wrote ${path.relative(process.cwd(), API_TYPES_FILE)} (${source.length} bytes)`);
