export * from './context.ts';
export * from './octokit.ts';
export * from './adapter.ts';
export * from './sticky-comment.ts';
export * from './action.ts';
