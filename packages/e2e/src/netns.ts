import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { execOrThrow } from '@carbon/toolchain';

/** Set in the environment of the process re-executed inside the namespace. */
export const NETNS_MARK = 'CARBON_E2E_NETNS';

export const insideNetns = (env: NodeJS.ProcessEnv = process.env): boolean => env[NETNS_MARK] === '1';

/**
 * Runs `node <script> <args>` in a new network namespace (only a loopback interface: no route
 * leads anywhere else) and a new PID namespace whose init is that node process: when it ends —
 * success, failure, Ctrl-C, or the parent being killed (`--kill-child`) — the kernel ends every
 * component it started. Resolves with its exit code.
 */
export function reexecInNetns(script: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  if (process.getuid?.() !== 0) return Promise.reject(new Error('the e2e creates a network namespace: it must run as root (unshare --net)'));
  const child = spawn('unshare', ['--net', '--pid', '--fork', '--kill-child', '--mount-proc', process.execPath, script, ...args], {
    stdio: 'inherit',
    env: { ...env, [NETNS_MARK]: '1' },
  });
  // Ctrl-C reaches the child through the terminal's process group; the parent only waits.
  const ignore = () => undefined;
  process.on('SIGINT', ignore);
  process.on('SIGTERM', ignore);
  return new Promise((resolve, reject) => {
    child.on('error', (e) => reject(new Error(`unshare: ${e.message}`)));
    child.on('exit', (code, signal) => {
      process.off('SIGINT', ignore);
      process.off('SIGTERM', ignore);
      resolve(code ?? (signal ? 128 + 2 : 1));
    });
  });
}

/** Brings loopback up inside the namespace (it starts down). */
export async function loopbackUp(): Promise<void> {
  await execOrThrow('ip', ['link', 'set', 'lo', 'up']);
}

export type NetnsReport = {
  interfaces: string[];
  routes: string[];
  /** Bytes and packets sent per non-loopback interface (none exist, so this is empty). */
  transmitted: { iface: string; bytes: number; packets: number }[];
};

export function netnsReport(): NetnsReport {
  // /proc/net is the reading process's own namespace (sysfs would still show the host's).
  const dev = readFileSync('/proc/net/dev', 'utf8').split('\n').slice(2).filter(Boolean).map((l) => l.trim().split(/[:\s]+/));
  const interfaces = dev.map((f) => f[0]!).sort();
  const transmitted = dev
    .filter((f) => f[0] !== 'lo')
    .map((f) => ({ iface: f[0]!, bytes: Number(f[9]), packets: Number(f[10]) }));
  const routes = readFileSync('/proc/net/route', 'utf8').split('\n').slice(1).filter(Boolean);
  return { interfaces, routes, transmitted };
}

/** Tries a TCP connect; resolves with the error code (ENETUNREACH when no route exists) or 'connected'. */
export function probeConnect(host: string, port: number, timeoutMs = 3000): Promise<string> {
  return new Promise((resolve) => {
    const s = connect({ host, port });
    const done = (r: string) => {
      s.destroy();
      resolve(r);
    };
    s.setTimeout(timeoutMs, () => done('ETIMEDOUT'));
    s.on('connect', () => done('connected'));
    s.on('error', (e: NodeJS.ErrnoException) => done(e.code ?? e.message));
  });
}

/**
 * Proof that nothing can leave: only `lo` exists, the kernel has no IPv4 route (so a connect to
 * a cluster 10.x address or a public one fails at once), and no non-loopback interface counted a
 * byte. Returns the problems (empty when sealed).
 */
export async function sealedProblems(): Promise<string[]> {
  const r = netnsReport();
  const problems: string[] = [];
  if (r.interfaces.join(',') !== 'lo') problems.push(`interfaces besides lo: ${r.interfaces.join(', ')}`);
  if (r.routes.length) problems.push(`routes exist: ${r.routes.join(' | ')}`);
  for (const t of r.transmitted) if (t.bytes || t.packets) problems.push(`${t.iface} transmitted ${t.bytes} bytes`);
  for (const [host, port] of [['10.96.0.1', 443], ['10.255.255.53', 53], ['1.1.1.1', 443]] as const) {
    const got = await probeConnect(host, port);
    if (got !== 'ENETUNREACH') problems.push(`connect ${host}:${port} gave ${got}, expected ENETUNREACH`);
  }
  return problems;
}
