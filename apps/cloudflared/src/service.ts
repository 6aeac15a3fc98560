import { defineService, egress, everywhere, httpProbes, nonRootUser, resources } from '@carbon/platform';
import { tunnelConfig } from '@carbon/manifests';

export const TUNNEL = '254carbon';

export const service = defineService({
  name: 'cloudflared',
  namespace: 'cloudflare-tunnel',
  layer: 'apps',
  description: 'Cloudflare Tunnel connector: the only way in from the internet; routes every public host to ingress-nginx',
  dependsOn: ['ingress-nginx'],
  secrets: [{ name: 'cloudflared-credentials', data: { 'credentials.json': 'cloudflare/tunnel#credentials' } }],
  workloads: [
    {
      name: 'cloudflared',
      kind: 'Deployment',
      image: { upstream: 'docker.io/cloudflare/cloudflared', tag: '2024.10.0' },
      args: ['tunnel', '--config', '/etc/cloudflared/config/config.yaml', 'run'],
      ports: [{ name: 'metrics', port: 2000 }],
      probes: httpProbes('/ready', 'metrics', { liveness: { initialDelaySeconds: 10 }, readiness: { initialDelaySeconds: 5 } }),
      resources: everywhere(resources('50m/64Mi', '250m/256Mi')),
      // The seeds ran 2 connectors; both clusters keep 2 so a restart never drops the tunnel.
      replicas: everywhere(2),
      // One route per public host of the platform, from the services' `public` declarations.
      config: { mountPath: '/etc/cloudflared/config', files: ({ publicRoutes }) => ({ 'config.yaml': tunnelConfig(publicRoutes, TUNNEL) }) },
      volumes: [{ name: 'creds', secret: 'cloudflared-credentials' }],
      mounts: [{ name: 'creds', mountPath: '/etc/cloudflared/creds', readOnly: true }],
      security: nonRootUser(65532),
    },
  ],
  monitoring: { workload: 'cloudflared', port: 'metrics', path: '/metrics' },
  network: {
    egress: [
      egress.internet([443, 7844]),
      { peer: { service: 'ingress-nginx' }, ports: [8443] },
    ],
  },
});
