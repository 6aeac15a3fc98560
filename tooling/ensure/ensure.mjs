#!/usr/bin/env node
// Plain Node, no dependencies: makes `npm test` and `npm run up` work on a fresh clone.
// 1. npm ci when node_modules is missing or older than package-lock.json;
// 2. the repo's pinned tools, offline schemas and the e2e's real components (`npm run setup -- --e2e`;
//    cached by version, ~0.3 s when present; the first, cold build of the control plane takes minutes);
// 3. Chromium from Debian (package `chromium`) for the test that renders PR comments in a real browser
//    (packages/diff/test/browser.test.ts): installed with apt-get only when missing, running as root and
//    apt-get exists; otherwise a note says how to get it (the test then fails and says the same).
import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, statSync } from 'node:fs';
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
run(process.execPath, [join(root, 'packages/toolchain/bin/setup.mjs'), '--e2e']);

const onPath = (cmd) =>
  (process.env.PATH ?? '').split(':').some((dir) => {
    try {
      accessSync(join(dir, cmd), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
if (!['chromium', 'chromium-browser', 'google-chrome'].some(onPath)) {
  if (process.getuid?.() === 0 && onPath('apt-get')) {
    process.stdout.write('ensure: installing chromium (Debian package) for the PR-comment browser test\n');
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    const apt = (args) => spawnSync('apt-get', ['-o', 'DPkg::Lock::Timeout=300', ...args], { cwd: root, stdio: 'inherit', env }).status === 0;
    // Another install may hold the lock or the index may be stale: one update, then the install; a failure is a note, not a stop.
    if (!(apt(['install', '-y', '-qq', '--no-install-recommends', 'chromium']) || (apt(['update', '-qq']) && apt(['install', '-y', '-qq', '--no-install-recommends', 'chromium'])))) {
      process.stderr.write('ensure: could not install chromium with apt-get; packages/diff/test/browser.test.ts needs it (apt-get install chromium)\n');
    }
  } else {
    process.stderr.write('ensure: chromium is not installed and this is not root with apt-get; packages/diff/test/browser.test.ts needs it (apt-get install chromium)\n');
  }
}
