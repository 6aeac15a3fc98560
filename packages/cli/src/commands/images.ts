import { imageMirrors, loadPlatform } from '@carbon/generate';
import { choice } from '../args.ts';
import { EXIT, type Io } from '../io.ts';
import { repoRoot } from '../root.ts';

export const summary = 'list upstream → Harbor mirror images (the mirror job input)';

export const options = [choice('--format <format>', 'output format', ['text', 'json'], 'text')];

export async function run({ format }: { format: 'text' | 'json' }, io: Io): Promise<number> {
  const mirrors = imageMirrors(await loadPlatform(repoRoot(io.cwd)));
  if (format === 'json') {
    io.out(`${JSON.stringify({ images: mirrors }, null, 2)}\n`);
    return EXIT.ok;
  }
  // Two columns, one image per line: `while read -r up mirror; do crane copy "$up" "$mirror"; done`.
  for (const m of mirrors) io.out(`${m.upstream} ${m.mirror}\n`);
  return EXIT.ok;
}
