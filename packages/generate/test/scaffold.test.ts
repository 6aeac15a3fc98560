import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { generate, parseImage } from '../src/index.ts';
import { cli, fixtureRepo, serviceSource, type FixtureRepo } from './fixture.ts';

let repo: FixtureRepo | undefined;
afterEach(() => repo?.cleanup());

/** Every path below the repository except node_modules, to prove a refused scaffold wrote nothing. */
const tree = (root: string) =>
  readdirSync(root, { recursive: true })
    .map(String)
    .filter((p) => !p.startsWith('node_modules'))
    .sort();

describe('platform new <service>', () => {
  it('writes apps/<service> like the existing services; generate accepts it as it is; production gets 2 replicas', async () => {
    repo = fixtureRepo({ web: serviceSource('web') });
    // The package's tsconfig.json extends the repository's, as every service's does.
    repo.write('tsconfig.base.json', readFileSync(resolve(import.meta.dirname, '../../../tsconfig.base.json'), 'utf8'));
    const r = await cli(repo.root, 'new', 'redis-cache', '--namespace', 'data', '--image', 'docker.io/library/redis:7.4.1', '--port', '6379', '--description', 'Redis cache for the web service');
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain('new: apps/redis-cache\n');
    expect(r.out).toMatch(/Next:\n {2}1\. edit apps\/redis-cache\/src\/service\.ts/);
    expect(r.out).toContain('npx platform generate --service redis-cache');
    expect(readdirSync(join(repo.root, 'apps/redis-cache'), { recursive: true }).map(String).sort()).toEqual(['package.json', 'scripts', 'scripts/generate.ts', 'src', 'src/service.ts', 'tsconfig.json']);
    expect(JSON.parse(readFileSync(join(repo.root, 'apps/redis-cache/package.json'), 'utf8'))).toMatchObject({ name: '@carbon/app-redis-cache', description: 'Redis cache for the web service', scripts: { generate: 'tsx scripts/generate.ts' } });
    expect(readFileSync(join(repo.root, 'apps/redis-cache/scripts/generate.ts'), 'utf8')).toContain("generateServiceScript('redis-cache')");
    expect(readdirSync(join(repo.root, 'apps')).filter((f) => f.startsWith('.'))).toEqual([]); // no temp folder left

    const g = await generate(repo.root, { check: false });
    expect(g.changed.filter((f) => f.startsWith('apps/redis-cache/'))).not.toEqual([]);
    const deployment = (cluster: string) => parse(readFileSync(join(repo!.root, `apps/redis-cache/deploy/overlays/${cluster}/deployment-redis-cache.yaml`), 'utf8'));
    const prod = deployment('production');
    expect(prod.spec.replicas).toBe(2);
    expect(deployment('staging').spec.replicas).toBe(1);
    const c = prod.spec.template.spec.containers[0];
    expect(c.image).toMatch(/\/library\/redis:7\.4\.1$/);
    expect(c.ports).toEqual([expect.objectContaining({ containerPort: 6379 })]);
    expect(c.readinessProbe.tcpSocket).toBeDefined();
    expect(c.resources).toEqual({ requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '512Mi' } });
    expect(prod.spec.template.spec.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 65532 });
  });

  it('refuses a bad name, an existing service, an undeclared namespace, an unpinned image and a bad port: exit 2, nothing written', async () => {
    repo = fixtureRepo({ web: serviceSource('web') });
    const before = tree(repo.root);
    const cases: [string[], RegExp][] = [
      [['new', 'Redis_Cache', '--namespace', 'data', '--image', 'docker.io/library/redis:7.4.1'], /"Redis_Cache" is not a service name \(a DNS-1123 label\)/],
      [['new', '../../etc', '--namespace', 'data', '--image', 'docker.io/library/redis:7.4.1'], /is not a service name/],
      [['new', 'web', '--namespace', 'data', '--image', 'docker.io/library/redis:7.4.1'], /apps\/web already exists\n {2}choose another name; the services are: web/],
      [['new', 'cache', '--namespace', 'nope', '--image', 'docker.io/library/redis:7.4.1'], /--namespace "nope" is not declared in every cluster\.yaml\n {2}valid choices: data/],
      [['new', 'cache', '--namespace', 'data', '--image', 'docker.io/library/redis:latest'], /uses the tag "latest"/],
      [['new', 'cache', '--namespace', 'data', '--image', 'docker.io/library/redis'], /is not a pinned image reference/],
      [['new', 'cache', '--namespace', 'data', '--image', 'docker.io/library/redis:7', '--port', '70000'], /argument '70000' is invalid\. a port is a number from 1 to 65535/],
      [['new', 'cache', '--namespace', 'data'], /--image is required/],
      [['new'], /missing required argument 'service'/],
    ];
    for (const [argv, said] of cases) {
      const r = await cli(repo.root, ...argv);
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.err, argv.join(' ')).toMatch(said);
      expect(r.out).toBe('');
    }
    expect(tree(repo.root)).toEqual(before);
  });

  it('--talks-to/--reached-from write the rules, check them against the peers and name what each peer must add', async () => {
    // api already allows ingress from cache; web does not, and no one has egress to cache yet.
    const withIngress = serviceSource('api', { host: 'api' }).replace("monitoring: { none: 'fixture' },", "monitoring: { none: 'fixture' },\n  network: { ingress: [{ peer: { service: 'cache' }, ports: ['http'] }] },");
    repo = fixtureRepo({ web: serviceSource('web'), api: withIngress });
    repo.write('tsconfig.base.json', readFileSync(resolve(import.meta.dirname, '../../../tsconfig.base.json'), 'utf8'));
    const r = await cli(repo.root, 'new', 'cache', '--namespace', 'data', '--image', 'docker.io/library/redis:7.4.1', '--port', '6379', '--talks-to', 'web/web:http', '--talks-to', 'api:8080', '--reached-from', 'web');
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain('\nNetwork: 2 of 3 rules not yet allowed by the peer (steps 1, 2 below)\n');
    expect(r.out).toContain("  1. edit apps/web/src/service.ts: add { workloads: ['web'], peer: { service: 'cache' }, ports: [8080] } to network.ingress (without it the peer's default-deny drops the traffic)\n");
    expect(r.out).toContain("  2. edit apps/web/src/service.ts: add { peer: { service: 'cache' }, ports: [6379] } to network.egress (");
    expect(r.out).not.toContain('apps/api/src/service.ts');
    const source = readFileSync(join(repo.root, 'apps/cache/src/service.ts'), 'utf8');
    expect(source).toContain("  network: {\n    ingress: [\n      { peer: { service: 'web' }, ports: ['http'] },\n    ],\n    egress: [\n      { peer: { service: 'web', workload: 'web' }, ports: ['http'] },\n      { peer: { service: 'api' }, ports: [8080] },\n    ],\n  },");

    // generate accepts it, warns about exactly the two missing sides (same function), and is quiet once web adds them as told.
    const g = await cli(repo.root, 'generate');
    expect(g.code, g.err).toBe(0);
    expect(g.err.match(/^warning: apps\/cache\/src\/service\.ts:\d+:\d+: network\.(ingress|egress)\[\d\]/gm)?.map((w) => w.replace(/:\d+:\d+:/, ':'))).toEqual(['warning: apps/cache/src/service.ts: network.egress[0]', 'warning: apps/cache/src/service.ts: network.ingress[0]']);
    repo.write('apps/web/src/service.ts', serviceSource('web').replace("monitoring: { none: 'fixture' },", "monitoring: { none: 'fixture' },\n  network: { ingress: [{ workloads: ['web'], peer: { service: 'cache' }, ports: [8080] }], egress: [{ peer: { service: 'cache' }, ports: [6379] }] },"));
    const fixed = await cli(repo.root, 'generate');
    expect(fixed.code, fixed.err).toBe(0);
    expect(fixed.err).not.toMatch(/warning/);
  });

  it("inherits the namespace's team, so the namespace's alerts keep their route; another --team is said to move them", async () => {
    const owned = (name: string) => serviceSource(name).replace(`description: 'fixture service ${name}',`, `description: 'fixture service ${name}',\n  team: 'data',`);
    repo = fixtureRepo({ web: owned('web'), api: owned('api') });
    repo.write('tsconfig.base.json', readFileSync(resolve(import.meta.dirname, '../../../tsconfig.base.json'), 'utf8'));
    const r = await cli(repo.root, 'new', 'cache', '--namespace', 'data', '--image', 'docker.io/library/redis:7.4.1');
    expect(r.code, r.err).toBe(0);
    expect(readFileSync(join(repo.root, 'apps/cache/src/service.ts'), 'utf8')).toContain("\n  team: 'data',\n");
    expect(r.out).not.toContain('note:');
    const other = await cli(repo.root, 'new', 'queue', '--namespace', 'data', '--image', 'docker.io/library/redis:7.4.1', '--team', 'ops');
    expect(other.code, other.err).toBe(0);
    expect(readFileSync(join(repo.root, 'apps/queue/src/service.ts'), 'utf8')).toContain("\n  team: 'ops',\n");
    expect(other.out).toContain("note: data's alerts go to team data today; a service of team ops there sends them all to platform");
    const bad = await cli(repo.root, 'new', 'x', '--namespace', 'data', '--image', 'docker.io/library/redis:7.4.1', '--team', 'Ops Team');
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/--team "Ops\?Team" is not a team name/);
  });

  it('a rule naming an unknown service, workload or port, or no port: exit 2 with what to give, nothing written', async () => {
    repo = fixtureRepo({ web: serviceSource('web') });
    const before = tree(repo.root);
    const base = ['new', 'cache', '--namespace', 'data', '--image', 'docker.io/library/redis:7.4.1'];
    const cases: [string[], RegExp][] = [
      [['--talks-to', 'nosuch:80'], /--talks-to "nosuch:80": no service "nosuch" in apps\/\n {2}the services are: web/],
      [['--talks-to', 'web/api:80'], /--talks-to "web\/api:80": web has no workload "api"\n {2}its workloads are: web/],
      [['--talks-to', 'web:5432'], /--talks-to "web:5432": port 5432 is not one web declares\n {2}give one of: 8080, http/],
      [['--talks-to', 'web'], /--talks-to "web" names no port\n {2}the ports web declares: 8080, http/],
      [['--talks-to', 'web:8080;rm'], /--talks-to "web:8080\?rm" is not <service>\[\/<workload>\]:<port>/],
      [['--reached-from', 'web:9999'], /--reached-from "web:9999": port 9999 is not one the new service declares\n {2}give one of: 8080, http/],
    ];
    for (const [argv, said] of cases) {
      const r = await cli(repo.root, ...base, ...argv);
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.err, argv.join(' ')).toMatch(said);
      expect(r.out).toBe('');
    }
    expect(tree(repo.root)).toEqual(before);
  });

  it("this repository's definitions (a copy): a cache Superset calls that calls PostgreSQL needs both peers to add a rule", async () => {
    const real = resolve(import.meta.dirname, '../../..');
    const copy = mkdtempSync(join(tmpdir(), 'carbon-new-real-'));
    try {
      symlinkSync(join(real, 'node_modules'), join(copy, 'node_modules'));
      for (const f of ['package.json', 'turbo.json', 'tsconfig.base.json']) cpSync(join(real, f), join(copy, f));
      cpSync(join(real, 'clusters'), join(copy, 'clusters'), { recursive: true, filter: (p) => !/\/(apps|flux-system|infrastructure)(\/|$)/.test(p.slice(real.length)) });
      cpSync(join(real, 'apps'), join(copy, 'apps'), { recursive: true, filter: (p) => !/\/(deploy|\.turbo|node_modules)(\/|$)/.test(p.slice(real.length)) });
      const r = await cli(copy, 'new', 'redis', '--namespace', 'data-platform', '--image', 'docker.io/library/redis:7.4.1', '--port', '6379', '--talks-to', 'postgresql:postgres', '--reached-from', 'superset');
      expect(r.code, r.err).toBe(0);
      expect(r.out).toContain('\nNetwork: 2 of 2 rules not yet allowed by the peer (steps 1, 2 below)\n');
      expect(r.out).toContain("  1. edit apps/postgresql/src/service.ts: add { peer: { service: 'redis' }, ports: [5432] } to network.ingress");
      expect(r.out).toContain("  2. edit apps/superset/src/service.ts: add { peer: { service: 'redis' }, ports: [6379] } to network.egress");
      expect(readFileSync(join(copy, 'apps/redis/src/service.ts'), 'utf8')).toContain("\n  team: 'data',\n"); // data-platform's alerts keep going to data
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
  });

  it('image references: tag or digest, registry ports, never latest', () => {
    expect(parseImage('docker.io/library/redis:7.4.1')).toEqual({ upstream: 'docker.io/library/redis', tag: '7.4.1' });
    expect(parseImage('registry.local:5000/team/app:v1.2')).toEqual({ upstream: 'registry.local:5000/team/app', tag: 'v1.2' });
    const digest = `sha256:${'a'.repeat(64)}`;
    expect(parseImage(`ghcr.io/org/app@${digest}`)).toEqual({ upstream: 'ghcr.io/org/app', tag: digest });
    for (const bad of ['redis:7', 'registry.local:5000/app', 'docker.io/a/b:latest', 'docker.io/a/b@sha256:abc', "docker.io/a/b:1'x"]) expect(() => parseImage(bad), bad).toThrow();
  });
});

describe('a service with no pin on a pinned cluster', () => {
  it('generate says it is not deployed there; inventory leaves it out of that cluster and names it', async () => {
    repo = fixtureRepo({ web: serviceSource('web'), api: serviceSource('api') });
    repo.write('clusters/production/pins.yaml', `apiVersion: platform.254carbon.com/v1alpha1\nkind: PromotionPins\npins:\n  web: { commit: ${'a'.repeat(40)} }\n`);
    const g = await cli(repo.root, 'generate');
    expect(g.code, g.err).toBe(0);
    expect(g.err).toBe('note: api has no pin on production: nothing is deployed there until its first promotion (npx platform promote --service api --revision <sha on main>)\n');
    expect(g.out).toContain('clusters/production/apps/web.yaml');
    expect(g.out).not.toContain('clusters/production/apps/api.yaml');
    const check = await cli(repo.root, 'generate', '--check');
    expect(check.code).toBe(0);
    expect(check.err).toContain('note: api has no pin on production');

    const inv = JSON.parse((await cli(repo.root, 'inventory', '--format', 'json')).out) as { clusters: { cluster: string; services: number; notDeployed: string[]; namespaces: { services: string[]; pods: number }[] }[] };
    const [production, staging] = [inv.clusters.find((c) => c.cluster === 'production')!, inv.clusters.find((c) => c.cluster === 'staging')!];
    expect(production).toMatchObject({ services: 1, notDeployed: ['api'] });
    expect(production.namespaces[0]).toMatchObject({ services: ['web'], pods: 2 });
    expect(staging).toMatchObject({ services: 2, notDeployed: [] });
    expect(staging.namespaces[0]!.services.sort()).toEqual(['api', 'web']);
    const text = await cli(repo.root, 'inventory');
    expect(text.out).toContain('  not deployed here (no pin yet; first promotion deploys them): api\n');
  });
});

describe('generate warns about a network rule declared on one side only', () => {
  it('names the file, the rule and what to add; writes as usual (exit 0)', async () => {
    const withEgress = serviceSource('web').replace("monitoring: { none: 'fixture' },", "monitoring: { none: 'fixture' },\n  network: { egress: [{ peer: { service: 'api' }, ports: [8080] }] },");
    repo = fixtureRepo({ web: withEgress, api: serviceSource('api', { host: 'api' }) });
    const g = await cli(repo.root, 'generate');
    expect(g.code, g.err).toBe(0);
    // At the rule: the line of `network:` in the source, the column of the rule's `{`.
    const lines = withEgress.split('\n');
    const line = lines.findIndex((l) => l.includes('network: { egress')) + 1;
    const column = lines[line - 1]!.indexOf('[{') + 2;
    expect(g.err).toMatch(new RegExp(`^warning: apps/web/src/service\\.ts:${line}:${column}: network\\.egress\\[0\\]: web allows egress to api on 8080, but api has no ingress from web there`, 'm'));
    expect(g.out).not.toContain('::warning'); // annotations only in GitHub Actions
    process.env.GITHUB_ACTIONS = 'true';
    try {
      const ci = await cli(repo.root, 'generate', '--check');
      expect(ci.out).toContain(`::warning file=apps/web/src/service.ts,line=${line},col=${column},title=NET007::network.egress[0]: web allows egress to api on 8080`);
    } finally {
      delete process.env.GITHUB_ACTIONS;
    }
    repo.write('apps/api/src/service.ts', serviceSource('api', { host: 'api' }).replace("monitoring: { none: 'fixture' },", "monitoring: { none: 'fixture' },\n  network: { ingress: [{ peer: { service: 'web' }, ports: ['http'] }] },"));
    const fixed = await cli(repo.root, 'generate');
    expect(fixed.code).toBe(0);
    expect(fixed.err).not.toMatch(/warning/);
  });
});

describe('generate warns about a literal credential in a generated config file (validate: SECR003)', () => {
  it('names the definition, the ConfigMap, the file, the key and the line, never the value; code reading the environment is quiet', async () => {
    const config = (line: string) => serviceSource('web').replace('security: { runAsUser: 101 },', `security: { runAsUser: 101 },\n    config: { mountPath: '/etc/app', files: { 'app_config.py': ${JSON.stringify(`import os\nDEBUG = False\n${line}\n`)} } },`);
    repo = fixtureRepo({ web: config("SECRET_KEY = 'hunter2-canary'") });
    const g = await cli(repo.root, 'generate');
    expect(g.code, JSON.stringify(g.err)).toBe(0);
    expect(g.err).toMatch(/^warning: apps\/web\/src\/service\.ts: ConfigMap data\/web-config: app_config\.py assigns a literal credential to SECRET_KEY \(line 3\) \(SECR003: read it from the environment, backed by an ExternalSecret from Vault\)$/m);
    expect(g.err.match(/SECRET_KEY/g)).toHaveLength(1); // once, not per cluster
    expect(g.err).not.toContain('hunter2-canary');
    repo.write('apps/web/src/service.ts', config('SECRET_KEY = os.environ["SECRET_KEY"]'));
    const fixed = await cli(repo.root, 'generate');
    expect(fixed.code, fixed.err).toBe(0);
    expect(fixed.err).not.toMatch(/warning/);
  });
});

describe('generate warns when a service without the team of its namespace takes its alerts away', () => {
  it('names the service file and the team to set; a namespace whose services agree is quiet', async () => {
    const team = (src: string) => src.replace("layer: 'apps',", "layer: 'apps',\n  team: 'data',");
    repo = fixtureRepo({ web: team(serviceSource('web')), api: team(serviceSource('api', { host: 'api' })), redis: serviceSource('redis', { host: 'redis' }) });
    const g = await cli(repo.root, 'generate');
    expect(g.code, g.err).toBe(0);
    expect(g.err).toContain("warning: apps/redis/src/service.ts: team: redis names no team (platform) while namespace data's other services name 'data', so alerts routed by namespace data go to platform, not data (set team: 'data'");
    repo.write('apps/redis/src/service.ts', team(serviceSource('redis', { host: 'redis' })));
    const fixed = await cli(repo.root, 'generate');
    expect(fixed.err).not.toContain('team:');
  });
});
