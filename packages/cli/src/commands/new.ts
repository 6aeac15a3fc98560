import { scaffoldService } from '@carbon/generate';
import { InvalidArgumentError } from 'commander';
import { option, repeatable } from '../args.ts';
import { EXIT, type Io } from '../io.ts';
import { repoRoot } from '../root.ts';

export const summary = 'scaffold a new service: apps/<service> with a minimal definition generate accepts (--namespace NS --image REPO:TAG)';

export const args = '<service>';

export const options = [
  option('--namespace <ns>', 'a namespace every clusters/<name>/cluster.yaml declares (required)'),
  option('--image <ref>', 'the pinned upstream image: registry/repository:tag or @sha256:<digest> (required)'),
  option('--port <port>', 'the container port, named http; the probes use it (default: 8080)').argParser((v: string) => {
    if (!/^\d{1,5}$/.test(v) || Number(v) < 1 || Number(v) > 65535) throw new InvalidArgumentError('a port is a number from 1 to 65535.');
    return Number(v);
  }),
  option('--description <text>', 'one line: what the service does and who uses it'),
  option('--team <team>', "who is paged for it (default: the team owning every service of the namespace, so its alerts keep their route)"),
  repeatable('--talks-to <service[/workload]:port>', "an egress rule to another service's port (number or name), e.g. postgresql:5432"),
  repeatable('--reached-from <service[/workload][:port]>', 'an ingress rule from another service to this one (default port: http)'),
];

export const help = `Refuses a name that is not a DNS-1123 label, an existing apps/<service>, a namespace not
declared in every cluster.yaml (listing the valid ones) and an unpinned image. Writes to a temporary
folder renamed into place: on any error nothing is written. Each --talks-to/--reached-from rule is
checked against the peer's definition (service, workload, port); when the peer does not allow the
traffic yet, the next steps name its file, list and the rule to add. See docs/adding-a-service.md.`;

interface Opts {
  namespace?: string;
  image?: string;
  port?: number;
  description?: string;
  team?: string;
  talksTo?: string[];
  reachedFrom?: string[];
}

export async function run(values: Opts, io: Io, ctx: { args: string[] }): Promise<number> {
  const [name] = ctx.args as [string];
  const missing = (['namespace', 'image'] as const).filter((k) => !values[k]);
  if (missing.length) {
    io.err(`error: platform new: ${missing.map((k) => `--${k}`).join(' and ')} ${missing.length === 1 ? 'is' : 'are'} required (e.g. platform new ${name.replace(/[^a-z0-9-]/g, '?')} --namespace data-platform --image docker.io/library/redis:7.4.1)\n`);
    return EXIT.usage;
  }
  const root = repoRoot(io.cwd);
  const made = await scaffoldService(root, {
    name,
    namespace: values.namespace!,
    image: values.image!,
    ...(values.port !== undefined ? { port: values.port } : {}),
    ...(values.description !== undefined ? { description: values.description } : {}),
    ...(values.team !== undefined ? { team: values.team } : {}),
    ...(values.talksTo ? { talksTo: values.talksTo } : {}),
    ...(values.reachedFrom ? { reachedFrom: values.reachedFrom } : {}),
  });
  const rules = (values.talksTo?.length ?? 0) + (values.reachedFrom?.length ?? 0);
  const sides = !rules ? '' : made.peerEdits.length ? `\nNetwork: ${made.peerEdits.length} of ${rules} rule${rules === 1 ? '' : 's'} not yet allowed by the peer (steps ${made.peerEdits.map((_, i) => i + 1).join(', ')} below)\n` : `\nNetwork: the peers already allow all ${rules} rule${rules === 1 ? '' : 's'}\n`;
  io.out(`new: ${made.dir}\n${made.files.map((f) => `  wrote    ${f}\n`).join('')}${sides}\nNext:\n${made.nextSteps.map((s, i) => `  ${i + 1}. ${s}\n`).join('')}`);
  return EXIT.ok;
}
