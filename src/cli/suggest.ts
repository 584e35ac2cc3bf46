/**
 * "Did you mean --dry-run?" for unknown options. yargs' recommendCommands() only covers command
 * names; its strict mode reports unknown options as `Unknown argument(s): a, b`.
 */

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

/**
 * Rewrites yargs' strict-mode messages to name what was typed and what was probably meant:
 * `Unknown arguments: dryrun` → `unknown option --dryrun (did you mean --dry-run?)`,
 * `Did you mean import?` → `unknown command "improt" (did you mean import?)`.
 * Other messages come back unchanged.
 */
export function explainUsageError(message: string, known: readonly string[], argv: readonly string[]): string {
  if (/^Not enough non-option arguments/.test(message) && argv[0] === 'import') {
    return 'import needs a file: vorel-sync import <file.csv> (or - to read standard input)';
  }
  const command = /^Did you mean (\S+)\?$/.exec(message);
  if (command !== null && argv[0] !== undefined) return `unknown command ${JSON.stringify(argv[0])} (did you mean ${command[1]}?)`;
  const match = /^Unknown arguments?: (.+)$/.exec(message);
  if (match === null || match[1] === undefined) return message;
  const names = match[1].split(', ');
  // yargs lists `dry-runn` and its camelCase twin `dryRunn`: keep the form the user typed.
  const typed = names.filter((n) => !(/[A-Z]/.test(n) && names.includes(n.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`))));
  return typed
    .map((name) => {
      if (!typedAsFlag(name, argv)) return `unexpected argument ${JSON.stringify(name)}`;
      const flag = name.length === 1 ? `-${name}` : `--${name}`;
      const suggestion = closestOption(name, known);
      return suggestion === null ? `unknown option ${flag}` : `unknown option ${flag} (did you mean --${suggestion}?)`;
    })
    .join('; ');
}

/** yargs reports stray positionals (`import a.csv b.csv`) the same way as unknown flags. */
function typedAsFlag(name: string, argv: readonly string[]): boolean {
  const forms = name.length === 1 ? [`-${name}`] : [`--${name}`, `--no-${name}`];
  return argv.some(
    (arg) =>
      forms.some((form) => arg === form || arg.startsWith(`${form}=`)) || (name.length === 1 && /^-[^-]/.test(arg) && arg.includes(name)),
  );
}
