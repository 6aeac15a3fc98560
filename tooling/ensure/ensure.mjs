#!/usr/bin/env node
// Plain Node, no dependencies: makes `npm test` and `npm run up` work on a fresh clone.
// 1. npm ci when node_modules is missing or older than package-lock.json;
// 2. the repo's pinned tools and offline schemas (`npm run setup`; cached, ~0.2 s when present).
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const run = (cmd, args) => {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) {
    process.stderr.write(`ensure: \`${cmd} ${args.join(' ')}\` failed (exit ${r.status ?? r.signal})\n`);
    process.exit(2);
  }
};

const marker = join(root, 'node_modules', '.package-lock.json');
if (!existsSync(marker) || statSync(marker).mtimeMs < statSync(join(root, 'package-lock.json')).mtimeMs) {
  process.stdout.write('ensure: installing npm dependencies (npm ci)\n');
  run('npm', ['ci', '--no-audit', '--no-fund']);
}
run(process.execPath, [join(root, 'packages/toolchain/bin/setup.mjs')]);
