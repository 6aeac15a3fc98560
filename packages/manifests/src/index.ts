export * from './objects.ts';
export * from './image.ts';
export * from './workload.ts';
export * from './network.ts';
export * from './service.ts';
export * from './cluster.ts';
export * from './catalog.ts';
export * from './job.ts';
