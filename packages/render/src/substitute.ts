/**
 * Flux `postBuild.substitute`: kustomize-controller runs envsubst over each built object's YAML.
 * Supported: `${var}`, `${var:=default}`, `${var:-default}`, and `$${var}` as an escaped literal.
 * Objects annotated `kustomize.toolkit.fluxcd.io/substitute: disabled` are left alone (as Flux does).
 */
export const SUBSTITUTE_DISABLED = 'kustomize.toolkit.fluxcd.io/substitute';

const VAR = /\$(\$)?\{([A-Za-z_][A-Za-z0-9_]*)(?::?([=-])([^}]*))?\}/g;

/**
 * Replaces variables in `text`. `keepUnknown` leaves a variable with no value and no default as
 * written (used when `substituteFrom` could not be read offline, so the value is unknown rather than empty).
 */
export function substitute(text: string, vars: Record<string, string>, keepUnknown: boolean): string {
  return text.replace(VAR, (whole, escaped: string | undefined, name: string, op: string | undefined, def: string | undefined) => {
    if (escaped) return whole.slice(1);
    const value = vars[name];
    if (value !== undefined) return value;
    if (op !== undefined) return def ?? '';
    return keepUnknown ? whole : '';
  });
}

/**
 * A file encrypted with SOPS: a top-level `sops` stanza holding its key groups and MAC.
 * kustomize-controller decrypts it in the cluster; here its values are never decrypted or printed.
 */
export function isSopsEncrypted(o: { [k: string]: unknown }): boolean {
  const s = o.sops;
  return Boolean(s && typeof s === 'object' && ('mac' in s || 'lastmodified' in s || 'version' in s));
}
