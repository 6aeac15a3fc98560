import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

export type Managed = { name: string; child: ChildProcess; log: string; exited?: { code: number | null; signal: NodeJS.Signals | null } };

export class ComponentFailedError extends Error {
  override readonly name = 'ComponentFailedError';
}

/** The last `lines` lines of a log file. */
export function tail(file: string, lines = 25): string {
  if (!existsSync(file)) return '(no log)';
  return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
}

/** A free TCP port on 127.0.0.1 (the namespace is the run's own, so nothing else races for it but this run). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Starts components with their output in per-component log files, notices when one dies, and
 * stops them all (SIGTERM, then SIGKILL after a grace period) in reverse start order.
 */
export class Supervisor {
  readonly procs: Managed[] = [];
  private stopping = false;
  peakRssBytes = 0;
  private sampler: NodeJS.Timeout | undefined;

  constructor(readonly logDir: string) {}

  start(name: string, cmd: string, args: string[], env: Record<string, string> = {}, cwd?: string): Managed {
    const log = join(this.logDir, `${name}.log`);
    const fd = openSync(log, 'a');
    const child = spawn(cmd, args, { stdio: ['ignore', fd, fd], env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: this.logDir, ...env }, ...(cwd ? { cwd } : {}) });
    closeSync(fd);
    const m: Managed = { name, child, log };
    child.on('exit', (code, signal) => {
      m.exited = { code, signal };
    });
    child.on('error', (e) => {
      m.exited = { code: 127, signal: null };
      m.log = log;
      (m as { error?: string }).error = e.message;
    });
    this.procs.push(m);
    return m;
  }

  /** Throws with the log tail of any component that exited while it should run. */
  checkAlive(): void {
    if (this.stopping) return;
    for (const m of this.procs)
      if (m.exited) throw new ComponentFailedError(`${m.name} exited (code ${m.exited.code ?? '-'}, signal ${m.exited.signal ?? '-'}); last lines of ${m.log}:\n${tail(m.log)}`);
  }

  /** Polls `ready` until it returns true; fails with the component's log tail on death or timeout. */
  async waitFor(what: string, ready: () => Promise<boolean>, timeoutMs: number, component?: Managed): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      this.checkAlive();
      if (await ready().catch(() => false)) return;
      if (Date.now() > deadline) throw new ComponentFailedError(`${what}: not ready after ${Math.round(timeoutMs / 1000)} s${component ? `; last lines of ${component.log}:\n${tail(component.log)}` : ''}`);
      await sleep(250);
    }
  }

  /** Samples the summed resident memory of every component (and this process) once a second. */
  sampleMemory(): void {
    const once = () => {
      let total = process.memoryUsage().rss;
      for (const m of this.procs) {
        if (m.exited || !m.child.pid) continue;
        try {
          const s = readFileSync(`/proc/${m.child.pid}/status`, 'utf8');
          total += Number(/VmRSS:\s+(\d+)/.exec(s)?.[1] ?? 0) * 1024;
        } catch {
          /* exited between the check and the read */
        }
      }
      this.peakRssBytes = Math.max(this.peakRssBytes, total);
    };
    once();
    this.sampler = setInterval(once, 1000);
    this.sampler.unref();
  }

  async stopAll(graceMs = 5000): Promise<void> {
    this.stopping = true;
    if (this.sampler) clearInterval(this.sampler);
    const live = [...this.procs].reverse().filter((m) => !m.exited);
    for (const m of live) m.child.kill('SIGTERM');
    const deadline = Date.now() + graceMs;
    while (live.some((m) => !m.exited) && Date.now() < deadline) await sleep(100);
    for (const m of live) if (!m.exited) m.child.kill('SIGKILL');
    while (live.some((m) => !m.exited)) await sleep(50);
  }
}
