export { compact, type FormValue, type JsonSchema } from "./json-schema";
export { SchemaForm, type SchemaFormProps } from "./schema-form";
