import { spawn } from 'node:child_process';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { timingSafeEqual } from 'node:crypto';

export type GitServer = { url: string; server: Server; requests: number; close(): Promise<void> };

/** Where git installs its CGI programs (`git --exec-path`). */
async function execPath(): Promise<string> {
  return new Promise((resolve, reject) => {
    const c = spawn('git', ['--exec-path']);
    let out = '';
    c.stdout.on('data', (d: Buffer) => (out += d));
    c.on('error', reject);
    c.on('close', () => resolve(out.trim()));
  });
}

function authorized(req: IncomingMessage, user: string, password: string): boolean {
  const h = req.headers.authorization ?? '';
  if (!h.startsWith('Basic ')) return false;
  const want = Buffer.from(`${user}:${password}`);
  const got = Buffer.from(Buffer.from(h.slice(6), 'base64').toString('utf8'));
  return got.length === want.length && timingSafeEqual(got, want);
}

/**
 * The smart-HTTP git protocol over loopback: each request runs `git http-backend` (CGI) with the
 * repositories under `projectRoot`. Requests must carry the basic-auth credentials Flux reads from
 * the `flux-system` Secret. Binds 127.0.0.1 only.
 */
export async function startGitServer(projectRoot: string, credentials: { username: string; password: string }): Promise<GitServer> {
  const backend = `${await execPath()}/git-http-backend`;
  const state = { requests: 0 };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    state.requests++;
    if (!authorized(req, credentials.username, credentials.password)) {
      res.writeHead(401, { 'www-authenticate': 'Basic realm="carbon-e2e"' }).end();
      return;
    }
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      GIT_PROJECT_ROOT: projectRoot,
      GIT_HTTP_EXPORT_ALL: '1',
      PATH_INFO: decodeURIComponent(url.pathname),
      QUERY_STRING: url.search.slice(1),
      REQUEST_METHOD: req.method ?? 'GET',
      CONTENT_TYPE: req.headers['content-type'] ?? '',
      REMOTE_USER: credentials.username,
      REMOTE_ADDR: '127.0.0.1',
      GATEWAY_INTERFACE: 'CGI/1.1',
      SERVER_PROTOCOL: 'HTTP/1.1',
      ...(req.headers['content-encoding'] ? { HTTP_CONTENT_ENCODING: String(req.headers['content-encoding']) } : {}),
      ...(req.headers['git-protocol'] ? { GIT_PROTOCOL: String(req.headers['git-protocol']) } : {}),
      ...(req.headers['content-length'] ? { CONTENT_LENGTH: String(req.headers['content-length']) } : {}),
    };
    const cgi = spawn(backend, [], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    req.pipe(cgi.stdin);
    let head = Buffer.alloc(0);
    let headersDone = false;
    cgi.stdout.on('data', (chunk: Buffer) => {
      if (headersDone) {
        res.write(chunk);
        return;
      }
      head = Buffer.concat([head, chunk]);
      const crlf = head.indexOf('\r\n\r\n');
      const lf = head.indexOf('\n\n');
      const end = crlf >= 0 && (lf < 0 || crlf < lf) ? crlf + 4 : lf >= 0 ? lf + 2 : -1;
      if (end < 0) return;
      headersDone = true;
      let status = 200;
      const headers: Record<string, string> = {};
      for (const line of head.subarray(0, end).toString('utf8').split(/\r?\n/)) {
        const i = line.indexOf(':');
        if (i <= 0) continue;
        const k = line.slice(0, i).trim();
        const v = line.slice(i + 1).trim();
        if (k.toLowerCase() === 'status') status = Number.parseInt(v, 10) || 200;
        else headers[k] = v;
      }
      res.writeHead(status, headers);
      res.write(head.subarray(end));
    });
    let stderr = '';
    cgi.stderr.on('data', (d: Buffer) => (stderr += d));
    cgi.on('close', (code) => {
      if (!headersDone) res.writeHead(500).end(`git http-backend failed (${code}): ${stderr}`);
      else res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    server,
    get requests() {
      return state.requests;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
