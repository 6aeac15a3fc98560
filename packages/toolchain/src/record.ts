import { readFileSync, renameSync, writeFileSync } from 'node:fs';

/**
 * The small JSON files in .tools/bin that record what setup installed (versions.json,
 * e2e-versions.json): a missing or unreadable file is an empty record, and an update is
 * written to a temp file and renamed, so a concurrent reader never sees half a file.
 */
export function readRecord<T extends object>(file: string): Partial<T> {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Partial<T>;
  } catch {
    return {};
  }
}

export function updateRecord<T extends object>(file: string, entries: Partial<T>): void {
  const next = { ...readRecord<T>(file), ...entries };
  const temp = `${file}.${process.pid}.tmp`;
  writeFileSync(temp, `${JSON.stringify(next, null, 2)}\n`);
  renameSync(temp, file);
}
