import type { PublicRoute } from '@carbon/platform';
import { stringify } from 'yaml';

export const INGRESS_ORIGIN = 'https://ingress-nginx-controller.ingress-nginx.svc.cluster.local:443';

/** cloudflared's config.yaml: one route per public host to the ingress controller, then a 404 catch-all. */
export function tunnelConfig(routes: PublicRoute[], tunnel: string): string {
  const config = {
    tunnel,
    'credentials-file': '/etc/cloudflared/creds/credentials.json',
    metrics: '0.0.0.0:2000',
    'no-autoupdate': true,
    ingress: [
      ...routes.map((r) => ({
        hostname: r.fqdn,
        service: INGRESS_ORIGIN,
        originRequest: { originServerName: r.fqdn },
      })),
      { service: 'http_status:404' },
    ],
  };
  return stringify(config, { lineWidth: 0 });
}

export interface CatalogEntry {
  name: string;
  category: string;
  description: string;
  icon: string;
  url: string;
}

/** The portal's services.json: every public service, grouped by category then name. */
export function portalCatalog(routes: PublicRoute[]): string {
  const services: CatalogEntry[] = routes
    .map((r) => ({ name: r.catalog.name, category: r.catalog.category, description: r.catalog.description, icon: r.catalog.icon, url: `https://${r.fqdn}` }))
    .sort((a, b) => a.category.localeCompare(b.category) || a.name.localeCompare(b.name));
  return `${JSON.stringify({ services }, null, 2)}\n`;
}
