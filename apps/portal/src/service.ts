import { byCluster, defineService, everywhere, httpProbes, nonRootUser, resources } from '@carbon/platform';
import { portalCatalog } from '@carbon/manifests';

/** A static page that lists the catalog; the data is services.json, generated from every `public` declaration. */
const indexHtml = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>254Carbon</title>
<style>body{font-family:system-ui,sans-serif;margin:2rem;max-width:60rem}h2{margin-top:2rem}a{display:block;padding:.5rem 0}small{color:#555}</style>
</head>
<body>
<h1>254Carbon data platform</h1>
<div id="catalog">Loading services…</div>
<script>
fetch('services.json').then(r => r.json()).then(({ services }) => {
  const root = document.getElementById('catalog');
  root.textContent = '';
  const groups = {};
  for (const s of services) (groups[s.category] ??= []).push(s);
  for (const [category, list] of Object.entries(groups)) {
    const h = document.createElement('h2'); h.textContent = category; root.append(h);
    for (const s of list) {
      const a = document.createElement('a'); a.href = s.url;
      a.dataset.icon = s.icon;
      const small = document.createElement('small'); small.textContent = ' ' + s.description;
      a.append(s.name, small); root.append(a);
    }
  }
});
</script>
</body>
</html>
`;

const nginxConf = `server {
  listen 8080;
  root /usr/share/nginx/html;
  location = /healthz { access_log off; return 200 "ok\\n"; }
  location = /services.json { add_header Cache-Control "no-cache"; }
  location / { try_files $uri $uri/ /index.html; }
}
`;

export const service = defineService({
  name: 'portal',
  namespace: 'portal',
  layer: 'apps',
  description: 'The front door at the apex domain: a catalog of every public service (services.json)',
  workloads: [
    {
      name: 'portal',
      kind: 'Deployment',
      image: { upstream: 'docker.io/nginxinc/nginx-unprivileged', tag: '1.27.2-alpine' },
      ports: [{ name: 'http', port: 8080 }],
      probes: httpProbes('/healthz', 'http', { liveness: { initialDelaySeconds: 5 }, readiness: { initialDelaySeconds: 2 } }),
      resources: everywhere(resources('25m/32Mi', '200m/128Mi')),
      replicas: byCluster(1, 2),
      config: {
        mountPath: '/usr/share/nginx/html',
        files: ({ publicRoutes }) => ({ 'index.html': indexHtml, 'services.json': portalCatalog(publicRoutes) }),
      },
      volumes: [
        { name: 'nginx-conf', configMap: 'portal-nginx' },
        { name: 'cache', emptyDir: { sizeLimit: '64Mi' } },
      ],
      mounts: [
        { name: 'nginx-conf', mountPath: '/etc/nginx/conf.d', readOnly: true },
        { name: 'cache', mountPath: '/var/cache/nginx' },
      ],
      security: nonRootUser(101),
    },
  ],
  public: [
    {
      host: '@',
      workload: 'portal',
      port: 'http',
      slo: {},
      catalog: { name: 'Portal', category: 'Platform', description: 'This catalog', icon: 'portal.svg' },
    },
  ],
  monitoring: { none: 'static nginx; availability is covered by the ingress-nginx metrics for its host' },
  extraObjects: ({ namespace }) => [
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'portal-nginx', namespace, labels: { 'app.kubernetes.io/name': 'portal', 'app.kubernetes.io/part-of': '254carbon' } },
      data: { 'default.conf': nginxConf },
    },
  ],
});
