export * from './load.ts';
export * from './render.ts';
export * from './write.ts';
export * from './generate.ts';
export * from './images.ts';
export * from './inventory.ts';
export * from './yaml-out.ts';
export * from './crds.ts';
