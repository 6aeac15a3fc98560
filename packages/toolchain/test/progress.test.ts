import { describe, expect, it } from 'vitest';
import { exec, noteToolRun, onToolRun, progressShown, runConfined, startProgress, type ProgressStream } from '../src/index.ts';

function stream(isTTY: boolean, columns = 80): ProgressStream & { text: string } {
  const s = { isTTY, columns, text: '', write: (t: string) => void (s.text += t) };
  return s;
}

describe('progress on a terminal, nothing elsewhere', () => {
  it('every child process exec runs is reported once as it starts and once as it ends, by its base name', async () => {
    const seen: string[] = [];
    const off = onToolRun((r) => seen.push(`${r.phase} ${r.tool}`));
    await exec('/bin/sh', ['-c', 'exit 3']);
    await exec('no-such-tool-xyz', []); // a failed spawn ends too
    off();
    await exec('true', []);
    expect(seen).toEqual(['start sh', 'end sh', 'start no-such-tool-xyz', 'end no-such-tool-xyz']);
  });

  it('a confined run is reported under the tool it runs, not the wrapper', async () => {
    await runConfined('/bin/true', [], { timeoutMs: 10_000 }); // the first run also probes unshare/prlimit once
    const seen: string[] = [];
    const off = onToolRun((r) => r.phase === 'end' && seen.push(r.tool));
    await runConfined('/bin/true', [], { timeoutMs: 10_000 });
    off();
    expect(seen).toEqual(['true']);
  });

  it('on a terminal: a line rewritten in place with elapsed time and counts per tool, cleared on stop', async () => {
    let t = 0;
    const s = stream(true);
    const p = startProgress('validate', s, { env: {}, intervalMs: 0, now: () => t });
    t = 12_400;
    await exec('/bin/sh', ['-c', 'true']);
    await exec('/bin/sh', ['-c', 'true']);
    await exec('true', []);
    p.stop();
    p.stop();
    const frames = s.text.split('\r\x1b[2K');
    expect(frames[0]).toBe('');
    expect(frames.at(-1)).toBe(''); // stop clears the line and leaves the cursor at its start
    expect(frames[1]).toMatch(/^validate . 0s$/);
    expect(frames.at(-2)).toMatch(/^validate . 12s · sh 2 · true 1$/);
    expect(s.text).not.toContain('\n');
    // After stop nothing more is drawn.
    const before = s.text;
    await exec('true', []);
    expect(s.text).toBe(before);
  });

  it('a long line is cut to the terminal width', async () => {
    const s = stream(true, 30);
    const p = startProgress('a-very-long-title-for-a-narrow-terminal', s, { env: {} });
    p.stop();
    for (const frame of s.text.split('\r\x1b[2K')) expect([...frame].length).toBeLessThanOrEqual(29);
  });

  it('not a terminal, CI set, TERM=dumb, or no stream: nothing is written', async () => {
    expect(progressShown(stream(false), {})).toBe(false);
    expect(progressShown(stream(true), { CI: 'true' })).toBe(false);
    expect(progressShown(stream(true), { TERM: 'dumb' })).toBe(false);
    expect(progressShown(undefined, {})).toBe(false);
    expect(progressShown(stream(true), {})).toBe(true);
    for (const [s, env] of [[stream(false), {}], [stream(true), { CI: '1' }]] as const) {
      const p = startProgress('validate', s, { env, intervalMs: 0 });
      await exec('true', []);
      p.stop();
      expect(s.text).toBe('');
    }
  });
});

describe('render cache reuse on the progress line', () => {
  it('builds taken from the cache count as reused, next to the ones that ran', async () => {
    let t = 0;
    const s = stream(true, 200);
    const p = startProgress('diff', s, { env: {}, intervalMs: 0, now: () => t });
    t = 3000;
    await exec('true', []);
    for (let i = 0; i < 3; i++) noteToolRun('kustomize', 'reused');
    p.stop();
    expect(s.text.split('\r\x1b[2K').at(-2)).toMatch(/^diff . 3s · kustomize 0 \(\+3 reused\) · true 1$/);
  });
});
