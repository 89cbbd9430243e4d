import openApiDocument from '../../../docs/openapi.json';

/**
 * Checks a value against a schema of docs/openapi.json, for the subset of OpenAPI 3.0 schema keywords the
 * document uses (type, properties, required, additionalProperties, enum, items, min/max, pattern, oneOf,
 * $ref). Tests use it to hold the document to what the API really answers and accepts.
 */
type Schema = Record<string, unknown>;

const schemas = openApiDocument.components.schemas as unknown as Record<string, Schema>;

export function resolveRef(ref: string): Schema {
  const name = /^#\/components\/schemas\/(.+)$/.exec(ref)?.[1];
  const schema = name === undefined ? undefined : schemas[name];
  if (schema === undefined) throw new Error(`unresolvable $ref ${ref}`);
  return schema;
}

/** Every problem of `value` against the named schema; empty when it conforms. */
export function schemaProblems(schemaName: string, value: unknown): string[] {
  return check(resolveRef(`#/components/schemas/${schemaName}`), value, schemaName);
}

function check(schema: Schema, value: unknown, path: string): string[] {
  if (typeof schema.$ref === 'string') return check(resolveRef(schema.$ref), value, path);
  if (Array.isArray(schema.oneOf)) {
    const matching = (schema.oneOf as Schema[]).filter((option) => check(option, value, path).length === 0).length;
    return matching === 1 ? [] : [`${path}: matches ${matching} of oneOf, not exactly 1`];
  }
  const problems: string[] = [];
  if (Array.isArray(schema.enum) && !schema.enum.includes(value)) problems.push(`${path}: ${JSON.stringify(value)} not in enum`);
  switch (schema.type) {
    case 'object': {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) return [...problems, `${path}: not an object`];
      const record = value as Record<string, unknown>;
      const properties = (schema.properties ?? {}) as Record<string, Schema>;
      for (const key of (schema.required ?? []) as string[]) if (!(key in record)) problems.push(`${path}.${key}: required`);
      for (const [key, child] of Object.entries(record)) {
        const property = properties[key];
        if (property !== undefined) problems.push(...check(property, child, `${path}.${key}`));
        else if (schema.additionalProperties === false) problems.push(`${path}.${key}: not in the schema`);
      }
      return problems;
    }
    case 'array': {
      if (!Array.isArray(value)) return [...problems, `${path}: not an array`];
      if (typeof schema.minItems === 'number' && value.length < schema.minItems) problems.push(`${path}: fewer than ${schema.minItems} items`);
      if (typeof schema.maxItems === 'number' && value.length > schema.maxItems) problems.push(`${path}: more than ${schema.maxItems} items`);
      const items = schema.items as Schema | undefined;
      if (items !== undefined) value.forEach((item, index) => problems.push(...check(items, item, `${path}[${index}]`)));
      return problems;
    }
    case 'string':
      if (typeof value !== 'string') return [...problems, `${path}: not a string`];
      if (typeof schema.pattern === 'string' && !new RegExp(schema.pattern).test(value)) problems.push(`${path}: does not match ${schema.pattern}`);
      if (typeof schema.minLength === 'number' && value.length < schema.minLength) problems.push(`${path}: shorter than ${schema.minLength}`);
      if (schema.format === 'date-time' && Number.isNaN(Date.parse(value))) problems.push(`${path}: not a date-time`);
      return problems;
    case 'integer':
      if (!Number.isInteger(value)) return [...problems, `${path}: not an integer`];
      if (typeof schema.minimum === 'number' && (value as number) < schema.minimum) problems.push(`${path}: below ${schema.minimum}`);
      return problems;
    case 'boolean':
      return typeof value === 'boolean' ? problems : [...problems, `${path}: not a boolean`];
    default:
      return problems;
  }
}
