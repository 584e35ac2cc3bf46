/** "Did you mean --dry-run?": the nearest known name, for options, commands and job-file keys. */

/** Edit distance (insert, delete, substitute: cost 1 each). */
export function levenshtein(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + cost));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

/** The known option closest to `unknown`, when it is close enough to be what was meant. */
export function closestOption(unknown: string, known: readonly string[]): string | null {
  const wanted = unknown.toLowerCase();
  let best: { name: string; distance: number } | null = null;
  for (const name of known) {
    // camelCase aliases yargs adds (dryRun) are not what we document.
    if (name.length < 2 || /[A-Z]/.test(name)) continue;
    const distance = name.startsWith(wanted) && wanted.length >= 3 ? 1 : levenshtein(wanted, name);
    if (best === null || distance < best.distance) best = { name, distance };
  }
  if (best === null) return null;
  return best.distance <= Math.max(2, Math.floor(wanted.length / 3)) ? best.name : null;
}
