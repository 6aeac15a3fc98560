// The bundle's entry point (dist/index.js). main.ts exports run() so @github/local-action can call it too.
import { run } from './main.ts';

await run();
