import { defineService } from '@carbon/platform';

export const service = defineService({
  name: 'secret-store',
  namespace: 'external-secrets',
  layer: 'configs',
  description: 'ClusterSecretStore "vault": External Secrets reads every credential from Vault KV v2 with Kubernetes auth',
  dependsOn: ['external-secrets', 'vault'],
  workloads: [],
  monitoring: { none: 'store readiness is exported by the external-secrets controller metrics' },
  extraObjects: () => [
    {
      apiVersion: 'external-secrets.io/v1beta1',
      kind: 'ClusterSecretStore',
      metadata: { name: 'vault', labels: { 'app.kubernetes.io/name': 'secret-store', 'app.kubernetes.io/part-of': '254carbon' } },
      spec: {
        provider: {
          vault: {
            // In-cluster traffic to Vault is plain HTTP behind NetworkPolicy; TLS terminates at ingress-nginx.
            server: 'http://vault.vault.svc:8200',
            path: 'kv',
            version: 'v2',
            auth: {
              kubernetes: {
                mountPath: 'kubernetes',
                role: 'external-secrets',
                serviceAccountRef: { name: 'external-secrets-controller', namespace: 'external-secrets' },
              },
            },
          },
        },
      },
    },
  ],
});
