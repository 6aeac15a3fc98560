import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { Runner } from '../src/exec.ts';
import {
  checkGo,
  downloadModules,
  goEnv,
  GoDownloadError,
  GoMissingError,
  GoProxySettingError,
  parseGoModRequires,
  parseJsonStream,
  pinProblems,
  platformGoProxy,
} from '../src/gomod.ts';
import { findRepoRoot, sourcesModuleDir } from '../src/repo.ts';
import { sourceModulePins } from '../src/versions.ts';

const root = findRepoRoot(import.meta.dirname);

describe('committed go module', () => {
  it('requires and checksums exactly the pins in versions.ts', () => {
    const dir = sourcesModuleDir(root);
    const problems = pinProblems(readFileSync(join(dir, 'go.mod'), 'utf8'), readFileSync(join(dir, 'go.sum'), 'utf8'), sourceModulePins());
    expect(problems).toEqual([]);
  });
});

describe('pinProblems', () => {
  const goMod = 'module x\n\nrequire (\n\ta.example/m v1.0.0 // why\n\tb.example/m v2.0.0\n)\nrequire c.example/m v3.0.0\n';
  const goSum = 'a.example/m v1.0.0 h1:aaa=\na.example/m v1.0.0/go.mod h1:bbb=\nb.example/m v2.0.0/go.mod h1:ccc=\n';

  it('parses block and single-line requires', () => {
    expect([...parseGoModRequires(goMod)]).toEqual([['a.example/m', 'v1.0.0'], ['b.example/m', 'v2.0.0'], ['c.example/m', 'v3.0.0']]);
  });

  it('names version drift, missing requires and missing zip hashes', () => {
    const problems = pinProblems(goMod, goSum, [
      { module: 'a.example/m', version: 'v1.0.0' },
      { module: 'b.example/m', version: 'v2.0.0' },
      { module: 'c.example/m', version: 'v3.1.0' },
      { module: 'd.example/m', version: 'v1.0.0' },
    ]);
    expect(problems).toEqual([
      'b.example/m@v2.0.0: no hash in go.sum',
      'c.example/m: versions.ts says v3.1.0, go.mod requires v3.0.0',
      'd.example/m: versions.ts says v1.0.0, go.mod does not require it',
    ]);
  });
});

describe('downloadModules', () => {
  const pin = sourceModulePins()[0]!;

  it('runs go mod download -json in the committed module with the repo-owned cache', async () => {
    const calls: { cmd: string; args: readonly string[]; cwd?: string; env?: Record<string, string | undefined> }[] = [];
    const runner: Runner = async (cmd, args, options) => {
      calls.push({ cmd, args, cwd: options?.cwd, env: options?.env });
      return { stdout: `{\n\t"Path": "${pin.module}",\n\t"Version": "${pin.version}",\n\t"Dir": "/cache/x"\n}\n`, stderr: '', exitCode: 0 };
    };

    const dirs = await downloadModules(root, [pin], runner);

    expect(dirs.get(`${pin.module}@${pin.version}`)).toBe('/cache/x');
    expect(calls[0]!.args).toEqual(['mod', 'download', '-json', `${pin.module}@${pin.version}`]);
    expect(calls[0]!.cwd).toBe(sourcesModuleDir(root));
    expect(calls[0]!.env).toMatchObject({ GOMODCACHE: join(root, '.tools', 'gomod'), GOFLAGS: '-mod=mod', GONOSUMDB: undefined });
  });

  it('turns a checksum or proxy failure into GoDownloadError', async () => {
    const runner: Runner = async () => ({ stdout: `{\n\t"Path": "${pin.module}",\n\t"Version": "${pin.version}",\n\t"Error": "verifying: checksum mismatch"\n}\n`, stderr: '', exitCode: 1 });
    await expect(downloadModules(root, [pin], runner)).rejects.toThrow(GoDownloadError);
    await expect(downloadModules(root, [pin], runner)).rejects.toThrow('checksum mismatch');
  });

  it('refuses a module that go.sum does not pin', async () => {
    const runner: Runner = async () => ({ stdout: '', stderr: '', exitCode: 0 });
    await expect(downloadModules(root, [{ module: 'evil.example/m', version: 'v1.0.0' }], runner)).rejects.toThrow('does not require it');
  });
});

describe('checkGo', () => {
  it('says Go is missing when go is not on PATH', async () => {
    const runner: Runner = async () => ({ stdout: '', stderr: 'spawn go ENOENT', exitCode: 127 });
    await expect(checkGo(root, runner)).rejects.toThrow(GoMissingError);
  });
});

it('parseJsonStream splits go -json output into objects', () => {
  expect(parseJsonStream('{\n\t"a": {\n\t\t"b": 1\n\t}\n}\n{\n\t"a": 2\n}\n')).toEqual([{ a: { b: 1 } }, { a: 2 }]);
});

describe('PLATFORM_GOPROXY', () => {
  const proxyDir = mkdtempSync(join(tmpdir(), 'goproxy-'));
  const fileUrl = pathToFileURL(proxyDir).href;

  it('leaves GOPROXY alone when unset or empty', () => {
    expect(platformGoProxy({})).toBeUndefined();
    expect(platformGoProxy({ PLATFORM_GOPROXY: ' ' })).toBeUndefined();
    expect(goEnv(root, {})).not.toHaveProperty('GOPROXY');
  });

  it('goes in front of the caller’s GOPROXY, or Go’s default', () => {
    expect(platformGoProxy({ PLATFORM_GOPROXY: fileUrl })).toBe(`${fileUrl},https://proxy.golang.org,direct`);
    expect(goEnv(root, { PLATFORM_GOPROXY: `${fileUrl},https://mirror.example`, GOPROXY: 'https://corp.example' }).GOPROXY).toBe(
      `${fileUrl},https://mirror.example,https://corp.example`,
    );
  });

  it('rejects an entry that is not a proxy, naming the variable', () => {
    expect(() => platformGoProxy({ PLATFORM_GOPROXY: '/no/scheme' })).toThrow(GoProxySettingError);
    expect(() => platformGoProxy({ PLATFORM_GOPROXY: 'file:///does/not/exist' })).toThrow('PLATFORM_GOPROXY entry "file:///does/not/exist" names a folder that does not exist');
    expect(() => platformGoProxy({ PLATFORM_GOPROXY: 'ftp://x' })).toThrow('neither file://');
    expect(() => platformGoProxy({ PLATFORM_GOPROXY: `${fileUrl},,direct` })).toThrow('empty entry');
  });

  it('a refused module names itself and the variable in the download error', () => {
    const error = new GoDownloadError(
      'x',
      'reading https://proxy.golang.org/github.com/!burnt!sushi/toml/@v/v1.0.0.zip: 403 Forbidden\nreading https://proxy.golang.org/github.com/fluxcd/helm-controller/@v/list: 403 Forbidden',
    );
    expect(error.message).toContain('The Go module proxy refused github.com/BurntSushi/toml@v1.0.0, github.com/fluxcd/helm-controller.');
    expect(error.message).toContain('PLATFORM_GOPROXY=');
    expect(new GoDownloadError('x', 'checksum mismatch').message).not.toContain('PLATFORM_GOPROXY');
  });
});
