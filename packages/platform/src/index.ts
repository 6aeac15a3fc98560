export * from './errors.ts';
export * from './quantity.ts';
export * from './names.ts';
export * from './yaml-source.ts';
export * from './cluster.ts';
export * from './service.ts';
export * from './check-service.ts';
export * from './slo.ts';
