/** `harbor…/trino 455 → 461` when only the tag (or digest) changes, else `old → new` (or the new image of a new container). */
export function imageChange(old: string | undefined, now: string): string {
  if (old === undefined) return `new container, ${now}`;
  const repo = (i: string) => i.replace(/[:@][^/]*$/, '');
  return repo(old) === repo(now) ? `${repo(now)} ${old.slice(repo(old).length + 1)} → ${now.slice(repo(now).length + 1)}` : `${old} → ${now}`;
}
