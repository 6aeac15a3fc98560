import type { ClusterFacts } from '@carbon/platform';
import { capacity } from '@carbon/validate';
import { describe, expect, it } from 'vitest';
import { capacitySnapshot, renderMarkdown, type K8sObject } from '../src/index.ts';
import { deployment, report, section } from './fixtures.ts';

type Rec = Record<string, any>;
const clone = <T>(x: T): T => structuredClone(x);

/** The velero node-agent as it was (non-root, no capabilities) and as a PR changed it. */
function nodeAgent(root: boolean): K8sObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name: 'velero-node-agent', namespace: 'velero' },
    spec: {
      selector: { matchLabels: { app: 'node-agent' } },
      template: {
        metadata: { labels: { app: 'node-agent' } },
        spec: {
          securityContext: root ? { runAsNonRoot: false, runAsUser: 0 } : { runAsNonRoot: true, runAsUser: 1000 },
          containers: [
            {
              name: 'node-agent',
              image: 'harbor.example/velero/velero:v1.14.1',
              securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'], ...(root ? { add: ['DAC_READ_SEARCH', 'CHOWN', 'FOWNER', 'SYS_ADMIN'] } : {}) } },
            },
          ],
        },
      },
    },
  };
}

const levels = (s: ReturnType<typeof section>) => s.risks.map((r) => `${r.level}:${r.category}`);

describe('risk model: privilege', () => {
  it('root and added capabilities on an existing workload are high privilege risks, each with a reason', () => {
    const s = section({ velero: [nodeAgent(false)] }, { velero: [nodeAgent(true)] });
    const priv = s.risks.filter((r) => r.category === 'privilege');
    expect(priv.map((r) => r.message)).toEqual([
      'node-agent runs as root (runAsNonRoot true, runAsUser 1000 → runAsNonRoot false, runAsUser 0)',
      'node-agent adds capabilities DAC_READ_SEARCH, CHOWN, FOWNER, SYS_ADMIN',
    ]);
    expect(priv.every((r) => r.level === 'high' && r.reason.length > 20)).toBe(true);
  });

  it('privileged, escalation, host namespaces and paths, writable root, a token newly mounted', () => {
    const before = nodeAgent(false) as Rec;
    const after = clone(before);
    const pod = after.spec.template.spec;
    pod.hostPID = true;
    pod.hostNetwork = true;
    pod.volumes = [{ name: 'pods', hostPath: { path: '/var/lib/kubelet/pods' } }];
    pod.containers[0].securityContext = { privileged: true, allowPrivilegeEscalation: true };
    before.spec.template.spec.automountServiceAccountToken = false;
    const s = section({ a: [before as K8sObject] }, { a: [after as K8sObject] });
    const msgs = s.risks.filter((r) => r.category === 'privilege').map((r) => `${r.level} ${r.message}`);
    expect(msgs).toEqual(
      expect.arrayContaining([
        'high hostNetwork: true (was unset)',
        'high hostPID: true (was unset)',
        'high hostPath volume /var/lib/kubelet/pods',
        'high node-agent privileged: true',
        'medium node-agent allowPrivilegeEscalation: true',
        'medium node-agent no longer drops ALL capabilities',
        'medium node-agent root filesystem becomes writable (readOnlyRootFilesystem true → unset)',
        expect.stringMatching(/^medium automountServiceAccountToken false → unset .*API token/),
      ]),
    );
    const sa = (auto?: boolean): K8sObject => ({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'x', namespace: 'a' }, ...(auto === undefined ? {} : { automountServiceAccountToken: auto }) });
    expect(levels(section({ a: [sa(false)] }, { a: [sa()] }))).toEqual(['medium:privilege']);
    // Unchanged privileges are not a risk; tightening is not either.
    expect(section({ a: [nodeAgent(true)] }, { a: [nodeAgent(false)] }).risks.filter((r) => r.category === 'privilege')).toEqual([]);
  });

  it('a new workload that asks for root is flagged; an ordinary new workload is not', () => {
    expect(levels(section({ a: [] }, { a: [nodeAgent(true)] }))).toEqual(['high:privilege', 'high:privilege']);
    expect(section({ a: [] }, { a: [deployment('web')] }).risks).toEqual([]);
  });
});

describe('risk model: renamed objects, images, credentials, exposure', () => {
  it('a hash-suffixed Job renamed by a new secret key is a new object: no immutable-field alarm', () => {
    const job = (name: string, keys: string[]): K8sObject => ({ apiVersion: 'batch/v1', kind: 'Job', metadata: { name, namespace: 'data' }, spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'init', image: 'superset:4', env: keys.map((k) => ({ name: k, valueFrom: { secretKeyRef: { name: 'superset', key: k } } })) }] } } } });
    const s = section({ a: [job('superset-init-7f8g9h2k4m', ['A'])] }, { a: [job('superset-init-b5c6d7f8g9', ['A', 'SMTP_PASSWORD'])] });
    expect(s.resources.map((r) => r.change)).toEqual(['renamed']);
    expect(s.risks.filter((r) => r.category === 'immutable-field')).toEqual([]);
  });

  it('an image change names old and new tag per container', () => {
    const s = section({ a: [deployment('trino', { image: 'harbor.example/trino:455' })] }, { a: [deployment('trino', { image: 'harbor.example/trino:461' })] });
    expect(s.risks.find((r) => r.category === 'image')!.message).toBe('main: harbor.example/trino 455 → 461');
  });

  it('literal credentials written into a mounted config file are high; names and code that read secrets stay visible, values masked', () => {
    const cfg = (text: string): K8sObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'superset-config', namespace: 'data' }, data: { 'superset_config.py': text } });
    const old = 'import os\nSECRET_KEY = os.environ["SUPERSET_SECRET_KEY"]\n';
    const leaked = `${old}SMTP_PASSWORD = os.environ["SMTP_PASSWORD"]\nSMTP_USER = "superset"\nMAIL_PASSWORD = "Zx81-canary"\nGUEST_TOKEN_SECRET = 'Zx82-canary'\n`;
    const es = (keys: string[]): K8sObject => ({ apiVersion: 'external-secrets.io/v1beta1', kind: 'ExternalSecret', metadata: { name: 'superset', namespace: 'data' }, spec: { data: keys.map((k) => ({ secretKey: k, remoteRef: { key: 'data-platform/superset', property: k.toLowerCase() } })) } });
    const s = section({ a: [cfg(old), es(['SUPERSET_SECRET_KEY'])] }, { a: [cfg(leaked), es(['SUPERSET_SECRET_KEY', 'SMTP_PASSWORD'])] });
    const cred = s.risks.filter((r) => r.category === 'credentials');
    expect(cred.map((r) => `${r.level} ${r.message}`)).toEqual(['high literal credentials in superset_config.py:5 MAIL_PASSWORD, superset_config.py:6 GUEST_TOKEN_SECRET']);
    const md = renderMarkdown(report([s])).full;
    expect(md).not.toContain('canary');
    expect(md).toContain('SMTP_PASSWORD = os.environ["SMTP_PASSWORD"]');
    expect(md).toContain('secretKey: SMTP_PASSWORD');
    expect(md).toMatch(/MAIL_PASSWORD = "‹masked 11 bytes #[0-9a-f]{8}›"/);
    expect(md).not.toMatch(/›"?\]/);
  });

  it('Loki made public: exposure says it has no authentication of its own; an authenticating ingress does not', () => {
    const loki: K8sObject[] = [
      { apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'loki', namespace: 'monitoring' }, spec: { selector: { matchLabels: { app: 'loki' } }, template: { metadata: { labels: { app: 'loki' } }, spec: { containers: [{ name: 'loki', image: 'harbor.example/grafana/loki:3.3.2' }] } } } },
      { apiVersion: 'v1', kind: 'Service', metadata: { name: 'loki', namespace: 'monitoring' }, spec: { selector: { app: 'loki' }, ports: [{ name: 'http', port: 3100 }] } },
    ];
    const ingress = (annotations: Record<string, string> = {}): K8sObject => ({ apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'loki', namespace: 'monitoring', annotations }, spec: { rules: [{ host: 'loki.254carbon.com', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'loki', port: { name: 'http' } } } }] } }] } });
    const open = section({ loki }, { loki: [...loki, ingress()] }).risks.find((r) => r.category === 'public-exposure')!;
    expect(open.level).toBe('high');
    expect(open.message).toMatch(/^new public host: loki\.254carbon\.com; Loki .* has no authentication of its own$/);
    const guarded = section({ loki }, { loki: [...loki, ingress({ 'nginx.ingress.kubernetes.io/auth-url': 'https://auth.example/oauth2/auth' })] }).risks.find((r) => r.category === 'public-exposure')!;
    expect(guarded.level).toBe('medium');
    // Known by its configuration too: a mounted config with auth_enabled: false.
    const custom: K8sObject[] = [
      { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'logs', namespace: 'm' }, spec: { selector: { matchLabels: { app: 'logs' } }, template: { metadata: { labels: { app: 'logs' } }, spec: { containers: [{ name: 'x', image: 'example/custom-logs:1' }], volumes: [{ name: 'c', configMap: { name: 'logs-config' } }] } } } },
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'logs-config', namespace: 'm' }, data: { 'config.yaml': 'auth_enabled: false\n' } },
      { apiVersion: 'v1', kind: 'Service', metadata: { name: 'logs', namespace: 'm' }, spec: { selector: { app: 'logs' } } },
    ];
    const ing = { ...ingress(), metadata: { name: 'logs', namespace: 'm' }, spec: { rules: [{ host: 'logs.x', http: { paths: [{ backend: { service: { name: 'logs' } } }] } }] } } as K8sObject;
    expect(section({ m: custom }, { m: [...custom, ing] }).risks.find((r) => r.category === 'public-exposure')!.message).toContain('logs (config.yaml: auth_enabled: false) has no authentication of its own');
  });
});

describe('risk model: capacity and quota through the validate model, blamed on the workload', () => {
  const facts = (quotaCpu: string, nodes = 1): ClusterFacts => ({
    name: 'c',
    role: 'production',
    sourcing: 'branch',
    domain: 'example.com',
    registry: { host: 'harbor.example', projects: {} },
    git: { url: 'ssh://x', branch: 'main', path: 'clusters/c' } as unknown as ClusterFacts['git'],
    nodes: Array.from({ length: nodes }, (_, i) => ({ name: `n${i}`, allocatable: { cpu: '8', memory: '32Gi', pods: 110 }, storage: '100Gi', labels: {} })),
    namespaces: [
      {
        name: 'data',
        quota: { requests: { cpu: quotaCpu, memory: '24Gi' }, limits: { cpu: '16', memory: '48Gi' }, pods: 50, storage: '100Gi', persistentVolumeClaims: 10 },
        limitRange: { defaultRequest: { cpu: '100m', memory: '128Mi' }, default: { cpu: '500m', memory: '512Mi' }, max: { cpu: '8', memory: '16Gi' } },
      },
    ],
    file: 'clusters/c/cluster.yaml',
  });
  const hpa = (max: number): K8sObject => ({ apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: { name: 'superset', namespace: 'data' }, spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'superset' }, minReplicas: 2, maxReplicas: max } });
  const quota = (cpu: string): K8sObject => ({ apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name: 'data', namespace: 'data' }, spec: { hard: { 'requests.cpu': cpu } } });
  const snap = (services: Record<string, K8sObject[]>, f: ClusterFacts) => {
    const ros = Object.entries(services).flatMap(([svc, objs]) => objs.map((object, i) => ({ object: object as Rec as never, documentIndex: i, kustomization: `flux-system/${svc}` })));
    const { report: r, groups } = capacity({ cluster: 'c', facts: f, objects: ros, kustomizations: [] });
    return capacitySnapshot(ros, r, groups);
  };
  const run = (base: Record<string, K8sObject[]>, head: Record<string, K8sObject[]>, fb: ClusterFacts, fh: ClusterFacts) => {
    const headroom = { before: { cpuMillicores: { requested: 0, allocatable: 1 }, memoryBytes: { requested: 0, allocatable: 1 } }, after: { cpuMillicores: { requested: 0, allocatable: 1 }, memoryBytes: { requested: 0, allocatable: 1 } }, model: 'test' };
    return section(base, head, { headroom, snapshots: { before: snap(base, fb), after: snap(head, fh) } }).risks.filter((r) => r.category === 'capacity');
  };

  it('an HPA max raised past the quota at peak is blamed on that workload (CAP004), not "(cluster)"', () => {
    const base = { superset: [deployment('superset', { cpu: '1' }), hpa(4)], infra: [quota('8')] };
    const head = { superset: [deployment('superset', { cpu: '1' }), hpa(10)], infra: [quota('8')] };
    const risks = run(base, head, facts('8', 2), facts('8', 2));
    expect(risks).toEqual([expect.objectContaining({ level: 'medium', service: 'superset', ref: 'Deployment data/superset' })]);
    expect(risks[0]!.message).toBe('namespace data at peak (every HPA at maxReplicas) requests 10.0 vCPU / 10.0 GiB against its quota of 8.0 vCPU / 24.0 GiB (CAP004); caused by Deployment superset at HPA maximum requests +6.0 vCPU');
  });

  it('peak limits over the quota count too', () => {
    const limited = (cpu: string) => {
      const d = deployment('superset', { cpu: '500m' }) as Rec;
      d.spec.template.spec.containers[0].resources.limits = { cpu, memory: '1Gi' };
      return d as K8sObject;
    };
    const risks = run({ superset: [limited('1'), hpa(4)] }, { superset: [limited('2'), hpa(10)] }, facts('8'), facts('8'));
    expect(risks.map((r) => r.message)).toEqual([expect.stringMatching(/^namespace data at peak .* limits 20\.0 vCPU .*quota of 16\.0 vCPU .*\(CAP004\); caused by Deployment superset at HPA maximum limits \+16\.0 vCPU$/)]);
  });

  it('a quota lowered below what the namespace already requests is blamed on the ResourceQuota', () => {
    const objs = { superset: [deployment('superset', { cpu: '2' })], namespaces: [quota('8')] };
    const risks = run(objs, { ...objs, namespaces: [quota('3')] }, facts('8'), facts('3'));
    expect(risks).toEqual([expect.objectContaining({ level: 'high', service: 'namespaces', ref: 'ResourceQuota data/data', message: 'quota lowered from 8.0 vCPU / 24.0 GiB: namespace data requests 4.0 vCPU / 2.0 GiB against its quota of 3.0 vCPU / 24.0 GiB (CAP001)' })]);
  });

  it("pods of other services that no longer fit are named, blamed on the workload that grew", () => {
    const base = { big: [deployment('big', { cpu: '3', replicas: 1 })], other: [deployment('other', { cpu: '2', replicas: 2 })] };
    const head = { big: [deployment('big', { cpu: '6', replicas: 1 })], other: [deployment('other', { cpu: '2', replicas: 2 })] };
    const risks = run(base, head, facts('32'), facts('32'));
    const plc = risks.find((r) => r.message.includes('PLC001'))!;
    expect(plc).toMatchObject({ level: 'high', service: 'big', ref: 'Deployment data/big' });
    expect(plc.message).toMatch(/^pods that no longer fit on any node \(PLC001\): Deployment data\/other ×1 \(n0: insufficient cpu.*; caused by Deployment big requests \+3\.0 vCPU$/);
  });
});
