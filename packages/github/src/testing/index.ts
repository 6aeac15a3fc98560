export * from './api-double.ts';
export * from './run-action.ts';
export * from './git.ts';
export * from './origin.ts';
export { matchOperation, responseSchemaOf, sampleFromSchema, validateSchema, type SchemaProblem } from './openapi.ts';
