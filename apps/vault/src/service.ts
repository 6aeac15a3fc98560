import { byCluster, defineService, egress, everywhere, httpProbes, nonRootUser, resources } from '@carbon/platform';

const config = `ui = true
disable_mlock = true
cluster_name = "carbon"

# In-cluster listener is plain HTTP behind NetworkPolicy; TLS terminates at ingress-nginx.
listener "tcp" {
  address = "[::]:8200"
  cluster_address = "[::]:8201"
  tls_disable = 1
  telemetry {
    unauthenticated_metrics_access = true
  }
}

storage "raft" {
  path = "/vault/data"
}

telemetry {
  prometheus_retention_time = "30s"
  disable_hostname = true
}
`;

export const service = defineService({
  name: 'vault',
  namespace: 'vault',
  layer: 'configs',
  description: 'Secrets manager: every credential the platform uses is a Vault reference, never a value in git',
  workloads: [
    {
      name: 'vault',
      kind: 'StatefulSet',
      // Raft HA needs unseal and join per pod (manual, see docs/runbooks.md); until then one voter.
      singleton: 'Raft peers must be joined and unsealed by an operator; one voter until HA unseal is automated',
      image: { upstream: 'docker.io/hashicorp/vault', tag: '1.17.6' },
      command: ['vault', 'server', '-config=/vault/config/vault.hcl'],
      ports: [
        { name: 'http', port: 8200 },
        { name: 'cluster', port: 8201 },
      ],
      env: {
        VAULT_ADDR: 'http://127.0.0.1:8200',
        VAULT_API_ADDR: 'http://vault.vault.svc:8200',
        VAULT_CLUSTER_ADDR: 'http://$(POD_NAME).vault-headless.vault.svc:8201',
        POD_NAME: { fieldPath: 'metadata.name' },
        SKIP_SETCAP: 'true',
        SKIP_CHOWN: 'true',
      },
      // 200 when active; sealed/uninitialised answer 204 so the pod is Ready for an operator to unseal it.
      probes: httpProbes('/v1/sys/health?standbyok=true&sealedcode=204&uninitcode=204', 'http', { liveness: { initialDelaySeconds: 60 }, readiness: { initialDelaySeconds: 5 } }),
      resources: byCluster(resources('100m/256Mi', '500m/512Mi'), resources('250m/512Mi', '1/1Gi')),
      replicas: everywhere(1),
      storage: [{ name: 'data', mountPath: '/vault/data', size: byCluster('10Gi', '20Gi') }],
      config: { mountPath: '/vault/config', files: { 'vault.hcl': config } },
      volumes: [{ name: 'home', emptyDir: { sizeLimit: '64Mi' } }],
      mounts: [{ name: 'home', mountPath: '/home/vault' }],
      security: nonRootUser(100, { gid: 1000, ownsVolumes: true }),
      serviceAccount: {
        // Vault's Kubernetes auth method reviews tokens with the TokenReview API.
        automountToken: true,
        clusterRules: [{ apiGroups: ['authentication.k8s.io'], resources: ['tokenreviews'], verbs: ['create'] }],
      },
    },
  ],
  public: [
    {
      host: 'vault',
      workload: 'vault',
      port: 'http',
      slo: {},
      catalog: { name: 'Vault', category: 'Security', description: 'Secrets and credentials for every service', icon: 'vault.svg' },
    },
  ],
  monitoring: { workload: 'vault', port: 'http', path: '/v1/sys/metrics?format=prometheus' },
  backup: { schedule: '30 1 * * *', ttl: '720h' },
  network: {
    ingress: [
      { peer: { service: 'external-secrets' }, ports: ['http'] },
    ],
    egress: [egress.kubeApi()],
  },
});
