#!/usr/bin/env node
// `npm run e2e`: register tsx, hand over to the library (which re-executes this file inside a
// fresh network + PID namespace, then runs there).
import { register } from 'tsx/esm/api';

register();
const { e2eMain } = await import('../src/main.ts');
process.exitCode = await e2eMain(process.argv.slice(2));
