import { exec, EXIT_OUTPUT_LIMIT, EXIT_TIMED_OUT, type ExecOptions, type ExecResult, type Runner } from './exec.ts';

/**
 * Running a tool over pull-request content (kustomize today, helm later) with no network, a memory
 * ceiling, a time limit and an output cap, its whole process tree killed when one is exceeded.
 *
 * Network: the tool gets its own network namespace, which has only a loopback interface that is
 * down, so no connection can leave (or reach this machine's services). As root (this machine)
 * that is `unshare --net`; without root, `unshare --user --map-root-user --net` (unprivileged user
 * namespaces: GitHub's ubuntu-22.04 runners allow them; ubuntu-24.04 restricts them through
 * AppArmor unless `sysctl kernel.apparmor_restrict_unprivileged_userns=0`). When neither works the
 * tool runs with the network of this process and `confinement()` says so: set
 * `PLATFORM_SANDBOX=require` (the workflows do) to make that an error instead.
 *
 * Memory: `prlimit --data` (util-linux) caps the tool's RLIMIT_DATA, which since Linux 4.7 counts
 * every private writable mapping (heap, anonymous mmap, thread stacks) but not address space
 * merely reserved: a Go program over it fails its allocation and exits. Measured with kustomize
 * 5.7.1 (a cgo build): an address-space cap (`--as`) does not work for Go, whose runtime reserves
 * ~700 MiB it never touches and whose reservations vary run to run (at 1.25 GiB, 1 build in 12
 * of this repository failed with 4 MiB in use); RLIMIT_DATA at 128 MiB passes every build here
 * (the largest, prometheus-operator's CRDs, peaks at 125 MiB RSS), and at 512 MiB stops the YAML
 * alias bomb at 426 MiB RSS after 3 s. `GOMEMLIMIT` makes the Go collector work hard before that.
 */

export type Confinement = {
  /** How the network is cut: 'netns' (root), 'userns' (unprivileged user + network namespace), 'none'. */
  network: 'netns' | 'userns' | 'none';
  /** How memory is capped: 'rlimit' (prlimit --data) or 'none'. */
  memory: 'rlimit' | 'none';
  /** The command prefix that applies both. */
  prefix: string[];
};

export type ConfinedOptions = ExecOptions & {
  /** RLIMIT_DATA ceiling in bytes (default 512 MiB, see above). */
  memoryBytes?: number;
  timeoutMs: number;
};

export type ConfinedResult = ExecResult & {
  /** Which ceiling stopped the tool, when one did. */
  limit?: 'memory' | 'time' | 'output';
};

export const DEFAULT_MEMORY_BYTES = 512 * 1024 * 1024;
export const DEFAULT_OUTPUT_BYTES = 256 * 1024 * 1024;

let detected: Promise<Confinement> | undefined;

/** Forget the detected confinement (tests). */
export function resetConfinement(): void {
  detected = undefined;
}

/** What this machine allows, detected once per process by trying each way on `true`. */
export function confinement(runner: Runner = exec): Promise<Confinement> {
  detected ??= (async () => {
    const works = async (cmd: string, args: string[]) => (await runner(cmd, args, { timeoutMs: 10_000 })).exitCode === 0;
    const memory = (await works('prlimit', ['--data=268435456', '--', 'true'])) ? 'rlimit' : 'none';
    let network: Confinement['network'] = 'none';
    let prefix: string[] = [];
    if (await works('unshare', ['--net', '--', 'true'])) {
      network = 'netns';
      prefix = ['unshare', '--net', '--'];
    } else if (await works('unshare', ['--user', '--map-root-user', '--net', '--', 'true'])) {
      network = 'userns';
      prefix = ['unshare', '--user', '--map-root-user', '--net', '--'];
    }
    return { network, memory, prefix };
  })();
  return detected;
}

/** `PLATFORM_SANDBOX=require`: refuse to run a tool over PR content without a network namespace. */
export class SandboxUnavailableError extends Error {
  override readonly name = 'SandboxUnavailableError';
}

/**
 * Runs `cmd args` confined: own network namespace, address space capped, killed with its process
 * group after `timeoutMs` or `maxOutputBytes`. `limit` says which ceiling stopped it.
 */
export async function runConfined(cmd: string, args: readonly string[], options: ConfinedOptions, runner: Runner = exec): Promise<ConfinedResult> {
  const c = await confinement(runner);
  if (c.network === 'none' && process.env.PLATFORM_SANDBOX === 'require') {
    throw new SandboxUnavailableError('PLATFORM_SANDBOX=require but no network namespace can be created here (`unshare --net` and `unshare --user --map-root-user --net` both fail)');
  }
  const memoryBytes = options.memoryBytes ?? DEFAULT_MEMORY_BYTES;
  const [program, ...argv] = [...c.prefix, ...(c.memory === 'rlimit' ? ['prlimit', `--data=${memoryBytes}`, '--'] : []), cmd, ...args] as [string, ...string[]];
  const { memoryBytes: _m, ...rest } = options;
  const res = await runner(program, argv, {
    ...rest,
    env: { GOMEMLIMIT: String(Math.floor(memoryBytes * 0.8)), ...options.env },
    killTree: true,
    maxOutputBytes: options.maxOutputBytes ?? DEFAULT_OUTPUT_BYTES,
    label: options.label ?? cmd,
  });
  if (res.exitCode === EXIT_TIMED_OUT) return { ...res, limit: 'time' };
  if (res.exitCode === EXIT_OUTPUT_LIMIT) return { ...res, limit: 'output' };
  if (res.exitCode !== 0 && /out of memory|cannot allocate memory|runtime: mmap|failed to reserve/i.test(res.stderr)) return { ...res, limit: 'memory' };
  return res;
}
