import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execOrThrow } from '@carbon/toolchain';

export type Pki = {
  dir: string;
  caCert: string;
  caKey: string;
  /** kube-apiserver serving certificate (127.0.0.1, localhost, the kubernetes Service). */
  serverCert: string;
  serverKey: string;
  /** One client identity in system:masters for every component and the e2e itself. */
  adminCert: string;
  adminKey: string;
  /** Service account token signing key (and its public half). */
  saKey: string;
  saPub: string;
};

const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

/** A fresh CA and the certificates one control plane needs, made with the openssl CLI (P-256, 2 days). */
export async function makePki(dir: string, extraServerNames: string[] = []): Promise<Pki> {
  const p = (f: string) => join(dir, f);
  const pki: Pki = {
    dir,
    caCert: p('ca.crt'),
    caKey: p('ca.key'),
    serverCert: p('apiserver.crt'),
    serverKey: p('apiserver.key'),
    adminCert: p('admin.crt'),
    adminKey: p('admin.key'),
    saKey: p('sa.key'),
    saPub: p('sa.pub'),
  };
  const openssl = (args: string[]) => execOrThrow('openssl', args);
  await openssl(['req', '-x509', ...EC, '-keyout', pki.caKey, '-out', pki.caCert, '-days', '2', '-subj', '/CN=carbon-e2e-ca', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  const sans = ['IP:127.0.0.1', 'DNS:localhost', 'IP:10.96.0.1', 'DNS:kubernetes', 'DNS:kubernetes.default', 'DNS:kubernetes.default.svc', ...extraServerNames].join(',');
  const leaf = (key: string, cert: string, subj: string, ext: string[]) =>
    openssl(['req', '-x509', ...EC, '-keyout', key, '-out', cert, '-days', '2', '-subj', subj, '-CA', pki.caCert, '-CAkey', pki.caKey, ...ext.flatMap((e) => ['-addext', e])]);
  await leaf(pki.serverKey, pki.serverCert, '/CN=kube-apiserver', [`subjectAltName=${sans}`, 'extendedKeyUsage=serverAuth', 'basicConstraints=critical,CA:FALSE']);
  await leaf(pki.adminKey, pki.adminCert, '/O=system:masters/CN=carbon-e2e-admin', ['extendedKeyUsage=clientAuth', 'basicConstraints=critical,CA:FALSE']);
  await openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-out', pki.saKey]);
  await openssl(['pkey', '-in', pki.saKey, '-pubout', '-out', pki.saPub]);
  return pki;
}

/** A serving certificate for another loopback server (the GitHub API double) signed by the same CA. */
export async function makeServingCert(pki: Pki, name: string, sans: string[]): Promise<{ cert: string; key: string }> {
  const cert = join(pki.dir, `${name}.crt`);
  const key = join(pki.dir, `${name}.key`);
  await execOrThrow('openssl', ['req', '-x509', ...EC, '-keyout', key, '-out', cert, '-days', '2', '-subj', `/CN=${name}`, '-CA', pki.caCert, '-CAkey', pki.caKey, '-addext', `subjectAltName=${sans.join(',')}`, '-addext', 'extendedKeyUsage=serverAuth']);
  return { cert, key };
}

/** A kubeconfig for the admin identity, written next to the certificates. */
export function writeKubeconfig(pki: Pki, server: string, file = join(pki.dir, 'kubeconfig')): string {
  const b64 = (f: string) => readFileSync(f).toString('base64');
  const text = [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    '- name: e2e',
    '  cluster:',
    `    server: ${server}`,
    `    certificate-authority-data: ${b64(pki.caCert)}`,
    'users:',
    '- name: admin',
    '  user:',
    `    client-certificate-data: ${b64(pki.adminCert)}`,
    `    client-key-data: ${b64(pki.adminKey)}`,
    'contexts:',
    '- name: e2e',
    '  context: { cluster: e2e, user: admin }',
    'current-context: e2e',
    '',
  ].join('\n');
  writeFileSync(file, text, { mode: 0o600 });
  return file;
}
