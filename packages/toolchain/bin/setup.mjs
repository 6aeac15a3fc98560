#!/usr/bin/env node
// Plain JS so `npm run setup` needs nothing but Node: tsx runs the TypeScript entry point.
import { register } from 'tsx/esm/api';

register();
await import('../src/setup-main.ts');
