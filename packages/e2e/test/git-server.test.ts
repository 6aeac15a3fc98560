import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGitServer, type GitServer } from '../src/git-server.ts';

const credentials = { username: 'flux', password: 's3cret-pass' };
let dir: string;
let server: GitServer;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'e2e-git-'));
  const git = (...args: string[]) => execFileSync('git', args, { cwd: dir, env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@e', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@e' } });
  git('init', '-q', '-b', 'main', 'work');
  writeFileSync(join(dir, 'work', 'a.txt'), 'hello\n');
  git('-C', 'work', 'add', '.');
  git('-C', 'work', 'commit', '-q', '-m', 'one');
  git('clone', '-q', '--bare', 'work', 'served/platform.git');
  server = await startGitServer(join(dir, 'served'), credentials);
});

afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

// The server runs in this process: the git client must not block its event loop.
const run = promisify(execFile);
const withAuth = (url: string, user: string, pass: string) => url.replace('http://', `http://${user}:${pass}@`);

describe('loopback git server (git http-backend)', () => {
  it('binds 127.0.0.1 and serves clone and push to the credentials in the flux-system Secret', async () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const url = withAuth(`${server.url}/platform.git`, credentials.username, credentials.password);
    const clone = join(dir, 'clone');
    await run('git', ['clone', '-q', url, clone]);
    writeFileSync(join(clone, 'b.txt'), 'two\n');
    execFileSync('git', ['-C', clone, 'add', '.']);
    execFileSync('git', ['-C', clone, '-c', 'user.name=t', '-c', 'user.email=t@e', 'commit', '-q', '-m', 'two']);
    await run('git', ['-C', clone, 'push', '-q', 'origin', 'main']);
    const served = execFileSync('git', ['--git-dir', join(dir, 'served/platform.git'), 'log', '--format=%s', 'main'], { encoding: 'utf8' });
    expect(served.trim().split('\n')).toEqual(['two', 'one']);
  });

  it('refuses a wrong password', async () => {
    const r = await run('git', ['ls-remote', withAuth(`${server.url}/platform.git`, 'flux', 'wrong')], { env: { ...process.env, GIT_TERMINAL_PROMPT: '0' } }).then(
      () => ({ code: 0, stderr: '' }),
      (e: { code: number; stderr: string }) => e,
    );
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/Authentication failed|401/);
  });
});
