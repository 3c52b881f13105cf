import { cleanSchemaForGemini, schemaFromOpenApi, toolParametersForGemini } from './gemini.schema';

describe(cleanSchemaForGemini.name, () => {
  it('should strip $schema keywords at every level but keep properties named $schema', () => {
    const schema = {
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      type: 'object',
      properties: {
        $schema: { type: 'string' },
        nested: { $schema: 'x', type: 'array', items: { $schema: 'y', type: 'string' } },
      },
      $defs: { thing: { $schema: 'z', type: 'number' } },
      anyOf: [{ $schema: 'w', required: ['nested'] }],
      additionalProperties: false,
      enum: [{ $schema: 'data, not a schema' }],
    };
    expect(cleanSchemaForGemini(schema)).toEqual({
      type: 'object',
      properties: {
        $schema: { type: 'string' },
        nested: { type: 'array', items: { type: 'string' } },
      },
      $defs: { thing: { type: 'number' } },
      anyOf: [{ required: ['nested'] }],
      additionalProperties: false,
      enum: [{ $schema: 'data, not a schema' }],
    });
  });

  it('should not change the input', () => {
    const schema = { $schema: 'x', type: 'object' };
    cleanSchemaForGemini(schema);
    expect(schema).toEqual({ $schema: 'x', type: 'object' });
  });
});

describe(toolParametersForGemini.name, () => {
  it('should make a schema without a type an object schema', () => {
    expect(toolParametersForGemini({ properties: {} })).toEqual({ properties: {}, type: 'object' });
    expect(toolParametersForGemini({})).toEqual({ type: 'object' });
  });
});

describe(schemaFromOpenApi.name, () => {
  it('should lower type names, fold nullable into the type and drop propertyOrdering', () => {
    expect(
      schemaFromOpenApi({
        type: 'OBJECT',
        properties: {
          name: { type: 'STRING', nullable: true },
          tags: { type: 'ARRAY', items: { type: 'STRING', enum: ['A', 'B'] } },
          any: { anyOf: [{ type: 'INTEGER' }, { type: 'NULL' }] },
        },
        propertyOrdering: ['name', 'tags'],
        required: ['name'],
      }),
    ).toEqual({
      type: 'object',
      properties: {
        name: { type: ['string', 'null'] },
        tags: { type: 'array', items: { type: 'string', enum: ['A', 'B'] } },
        any: { anyOf: [{ type: 'integer' }, { type: 'null' }] },
      },
      required: ['name'],
    });
  });
});
