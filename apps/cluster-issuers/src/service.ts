import { defineService } from '@carbon/platform';

const issuer = (name: string, server: string) => ({
  apiVersion: 'cert-manager.io/v1',
  kind: 'ClusterIssuer',
  metadata: { name, labels: { 'app.kubernetes.io/name': 'cluster-issuers', 'app.kubernetes.io/part-of': '254carbon' } },
  spec: {
    acme: {
      email: 'platform@254carbon.com',
      server,
      privateKeySecretRef: { name: `${name}-account-key` },
      // HTTP-01 needs no API token: Cloudflare's tunnel forwards /.well-known/acme-challenge to ingress-nginx.
      solvers: [{ http01: { ingress: { ingressClassName: 'nginx' } } }],
    },
  },
});

export const service = defineService({
  name: 'cluster-issuers',
  namespace: 'cert-manager',
  layer: 'configs',
  description: "Let's Encrypt ClusterIssuers: every public service's TLS certificate comes from letsencrypt-prod",
  dependsOn: ['cert-manager'],
  workloads: [],
  monitoring: { none: 'no workload of its own; cert-manager exports certificate expiry metrics' },
  extraObjects: () => [
    issuer('letsencrypt-prod', 'https://acme-v02.api.letsencrypt.org/directory'),
    issuer('letsencrypt-staging', 'https://acme-staging-v02.api.letsencrypt.org/directory'),
  ],
});
