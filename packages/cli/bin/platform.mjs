#!/usr/bin/env node
// The packages are TypeScript run in place (no build step): register tsx, then hand over.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/main.ts');
process.exitCode = await main(process.argv.slice(2));
