import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { exec, ExecError, execOrThrow, EXIT_COMMAND_NOT_FOUND, EXIT_TIMED_OUT, type Runner } from '../src/exec.ts';

describe('exec', () => {
  it('passes arguments literally, never through a shell', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'exec-'));
    writeFileSync(join(dir, 'keep.txt'), 'x');
    const hostile = `a; rm -rf ${dir} $(touch ${dir}/pwned) \`id\``;

    const result = await exec(process.execPath, ['-e', 'console.log(JSON.stringify(process.argv.slice(1)))', hostile]);

    expect(result.exitCode).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual([hostile]);
    expect(readdirSync(dir)).toEqual(['keep.txt']);
  });

  it('feeds input, sets cwd and env, and removes env keys set to undefined', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'exec-'));
    process.env.TOOLCHAIN_TEST_DROP = 'present';
    const script = 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.stringify([s,process.cwd(),process.env.GREETING,process.env.TOOLCHAIN_TEST_DROP ?? null])))';

    const result = await exec(process.execPath, ['-e', script], { cwd: dir, input: 'hello', env: { GREETING: 'hi', TOOLCHAIN_TEST_DROP: undefined } });

    expect(JSON.parse(result.stdout)).toEqual(['hello', dir, 'hi', null]);
  });

  it('reports a missing command as exit 127 instead of throwing', async () => {
    const result = await exec('definitely-not-a-command-254carbon', []);
    expect(result.exitCode).toBe(EXIT_COMMAND_NOT_FOUND);
    expect(result.stderr).toContain('ENOENT');
  });

  it('kills a command that outlives its timeout', async () => {
    const result = await exec(process.execPath, ['-e', 'setTimeout(() => {}, 10_000)'], { timeoutMs: 200 });
    expect(result.exitCode).toBe(EXIT_TIMED_OUT);
    expect(result.stderr).toContain('timed out after 200ms');
  });
});

describe('execOrThrow', () => {
  it('throws ExecError carrying cmd, args, output and exit code', async () => {
    const error = await execOrThrow(process.execPath, ['-e', 'console.log("out"); console.error("bad thing"); process.exit(3)']).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ExecError);
    const execError = error as ExecError;
    expect(execError.cmd).toBe(process.execPath);
    expect(execError.args[0]).toBe('-e');
    expect(execError.stdout).toBe('out\n');
    expect(execError.stderr).toBe('bad thing\n');
    expect(execError.exitCode).toBe(3);
    expect(execError.message).toContain('exited with 3: bad thing');
  });

  it('uses an injected runner', async () => {
    const calls: string[][] = [];
    const runner: Runner = async (cmd, args) => {
      calls.push([cmd, ...args]);
      return { stdout: 'ok', stderr: '', exitCode: 0 };
    };

    const result = await execOrThrow('git', ['status', '--short'], {}, runner);

    expect(result.stdout).toBe('ok');
    expect(calls).toEqual([['git', 'status', '--short']]);
  });
});
