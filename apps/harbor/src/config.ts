import type { ExtraObjectsContext } from '@carbon/platform';

/** Configuration files Harbor's components read (service.ts mounts them); plain text, no secrets. */

export const svcUrl = (name: string, port: number) => `http://harbor-${name}.harbor.svc:${port}`;

// Per-cluster settings core reads from its environment; sourced by the start command because
// Workload.env is the same on every cluster.
export const coreFiles = (ctx: ExtraObjectsContext): Record<string, string> => ({
  'app.conf': 'appname = Harbor\nrunmode = prod\nenablegzip = true\n\n[prod]\nhttpport = 8080\n',
  'core.env': [`EXT_ENDPOINT=https://harbor.${ctx.cluster.domain}`, `TOKEN_SERVICE_URL=${svcUrl('core', 8080)}/service/token`, ''].join('\n'),
});

export const registryConfig = `version: 0.1
log:
  level: info
  fields:
    service: registry
storage:
  s3:
    region: us-east-1
    regionendpoint: http://minio.data-platform.svc:9000
    bucket: harbor
    rootdirectory: /registry
    secure: false
    v4auth: true
  cache:
    layerinfo: redis
  maintenance:
    uploadpurging:
      enabled: true
      age: 168h
      interval: 24h
      dryrun: false
  delete:
    enabled: true
  redirect:
    disable: true
redis:
  addr: harbor-redis.harbor.svc:6379
  db: 2
  dialtimeout: 10s
  readtimeout: 10s
  writetimeout: 10s
http:
  addr: :5000
  relativeurls: false
  debug:
    addr: :8001
    prometheus:
      enabled: true
      path: /metrics
auth:
  htpasswd:
    realm: harbor-registry-basic-realm
    path: /etc/registry/passwd
validation:
  disabled: true
compatibility:
  schema1:
    enabled: true
`;

export const portalNginx = `worker_processes auto;
pid /tmp/nginx.pid;
events { worker_connections 1024; }
http {
  client_body_temp_path /tmp/client_body_temp;
  proxy_temp_path /tmp/proxy_temp;
  fastcgi_temp_path /tmp/fastcgi_temp;
  uwsgi_temp_path /tmp/uwsgi_temp;
  scgi_temp_path /tmp/scgi_temp;
  include /etc/nginx/mime.types;
  server_tokens off;
  server {
    listen 8080;
    server_name _;
    root /usr/share/nginx/html;
    index index.html;
    gzip on;
    # API, token service, registry v2 and proxied content go to core (Harbor's own nginx does the same).
    location ~ ^/(api|service|v2|c|chartrepo)/ {
      proxy_pass ${svcUrl('core', 8080)};
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-Proto https;
      proxy_set_header X-Real-IP $remote_addr;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_buffering off;
      proxy_request_buffering off;
      client_max_body_size 0;
      proxy_read_timeout 900s;
      proxy_send_timeout 900s;
    }
    location / { try_files $uri $uri/ /index.html; }
    location = /index.html { add_header Cache-Control "no-store, no-cache, must-revalidate"; }
  }
}
`;

export const jobserviceConfig = `protocol: "http"
port: 8080
worker_pool:
  workers: 10
  backend: "redis"
  redis_pool:
    redis_url: "redis://harbor-redis.harbor.svc:6379/1"
    namespace: "harbor_job_service_namespace"
    idle_timeout_second: 3600
job_loggers:
  - name: "STD_OUTPUT"
    level: "INFO"
metric:
  enabled: true
  path: /metrics
  port: 8001
loggers:
  - name: "STD_OUTPUT"
    level: "INFO"
reaper:
  max_update_hours: 24
  max_dangling_hours: 168
`;

export const registryctlConfig = 'protocol: "http"\nport: 8080\nlog:\n  level: info\nregistry_config: "/etc/registry/config.yml"\n';
