#!/usr/bin/env node
// The packages are TypeScript run in place (no build step): register tsx, then hand over.
import { register } from 'tsx/esm/api';

register();
// `platform help | head -1`: the reader went away; stop quietly instead of an EPIPE stack trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw e;
  });
}
const { main } = await import('../src/main.ts');
process.exitCode = await main(process.argv.slice(2));
