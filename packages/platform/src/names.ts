/** DNS-1123 names, the one rule every generated object name follows. */
const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

export function isDnsLabel(name: string): boolean {
  return name.length <= 63 && DNS1123_LABEL.test(name);
}

export function isDnsSubdomain(name: string): boolean {
  return name.length <= 253 && DNS1123_SUBDOMAIN.test(name);
}

/** Joins parts into one object name, dropping repeats: ("trino", "trino") → "trino", ("trino","worker") → "trino-worker". */
export function objectName(...parts: string[]): string {
  const out: string[] = [];
  for (const p of parts) if (p && out[out.length - 1] !== p) out.push(p);
  const name = out.join('-');
  if (!isDnsLabel(name)) throw new Error(`generated name "${name}" is not a DNS-1123 label`);
  return name;
}
