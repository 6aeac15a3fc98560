export * from './event.ts';
export * from './policy.ts';
export * from './freeze.ts';
export * from './git.ts';
export * from './record.ts';
export * from './pr.ts';
export * from './promote.ts';
