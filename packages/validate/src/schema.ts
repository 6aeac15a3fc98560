import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { rawYaml, type RenderedObject } from '@carbon/render';
import { exec, ExecError, schemaLocations, type Runner } from '@carbon/toolchain';
import type { Emit } from './types.ts';

type KcResource = { filename: string; kind: string; name: string; version: string; status: string; msg: string; validationErrors?: { path: string; msg: string }[] };

/** Secret values never leave this process, not even to kubeconform: they are replaced by a same-shaped placeholder. */
export function redactSecret(o: Record<string, any>): Record<string, any> {
  if (o.kind !== 'Secret') return o;
  const out = { ...o };
  if (o.data && typeof o.data === 'object') out.data = Object.fromEntries(Object.keys(o.data).map((k) => [k, 'cmVkYWN0ZWQ=']));
  if (o.stringData && typeof o.stringData === 'object') out.stringData = Object.fromEntries(Object.keys(o.stringData).map((k) => [k, 'redacted']));
  return out;
}

/**
 * Validates every object with one kubeconform process: each object is written to its own file
 * (so a result names the object exactly) and kubeconform walks the folder with its own workers.
 */
export async function schemaCheck(kubeconform: string, toolsRoot: string, objects: RenderedObject[], emit: Emit, runner: Runner = exec): Promise<void> {
  if (!objects.length) return;
  const dir = mkdtempSync(join(tmpdir(), 'carbon-kubeconform-'));
  try {
    // kustomize's own text when we have it (no re-serialisation); Secrets always go through redaction.
    objects.forEach((ro, i) => {
      const raw = ro.object.kind === 'Secret' ? undefined : rawYaml(ro);
      writeFileSync(join(dir, `${i}.yaml`), raw ?? stringify(redactSecret(ro.object as Record<string, any>)), { mode: 0o600 });
    });
    const args = ['-strict', '-summary', '-output', 'json', '-n', '2', ...schemaLocations(toolsRoot).flatMap((l) => ['-schema-location', l]), dir];
    const res = await runner(kubeconform, args, { timeoutMs: 300_000 });
    let parsed: { resources?: KcResource[] };
    try {
      parsed = JSON.parse(res.stdout) as { resources?: KcResource[] };
    } catch {
      throw new ExecError(kubeconform, args, res);
    }
    for (const r of parsed.resources ?? []) {
      const idx = Number(/(\d+)\.yaml$/.exec(r.filename)?.[1]);
      const ro = objects[idx];
      if (!ro) continue;
      if (r.status === 'statusError' && /could not find schema/i.test(r.msg)) {
        emit('KCF002', ro, `no schema for ${ro.object.apiVersion}/${ro.object.kind}: kubeconform cannot check it`, ['kind']);
      } else if (r.status === 'statusInvalid' && r.validationErrors?.length) {
        for (const v of r.validationErrors) {
          const path: (string | number)[] = v.path.split('/').filter(Boolean).map((p) => (/^\d+$/.test(p) ? Number(p) : p));
          const extra = /additional properties '([^']+)'/.exec(v.msg)?.[1];
          if (extra) path.push(extra);
          emit('KCF001', ro, `${v.path || '/'}: ${v.msg}`, path);
        }
      } else if (r.status === 'statusInvalid' || r.status === 'statusError') {
        emit('KCF001', ro, r.msg.replace(dir, '').slice(0, 300), []);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
