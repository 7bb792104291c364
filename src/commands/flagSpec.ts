/** A flag of a command (or a global one), as its declaration, usage and help know it. */
export interface FlagSpec {
  type: 'boolean' | 'string';
  short?: string;
  /** What a string flag's value is, in usage and help: `N`, `DIR`, `a,b`. */
  value?: string;
  /** A string flag given any number of times (`--input a=1 --input b=2`): its value is a list. */
  multiple?: boolean;
  help: string;
}

export type FlagSpecs = Readonly<Record<string, FlagSpec>>;

/** The flag names with a value, as they are written (`--timeout`, `-c`): the next argument is theirs. */
export function valuedFlags(flags: FlagSpecs): Set<string> {
  return new Set(
    Object.entries(flags)
      .filter(([, f]) => f.type === 'string')
      .flatMap(([name, f]) => [`--${name}`, ...(f.short ? [`-${f.short}`] : [])]),
  );
}

/**
 * What `parseArgs` found wrong, in one line that names the flag or argument (its own messages run to three lines,
 * and advise a `--` that a command without arguments does not take). `command` names the one that takes `flags`.
 */
export function parseErrorText(command: string, flags: FlagSpecs, error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const code = (error as { code?: string }).code;
  const quoted = /'(?:-\w, )?([^']+?)(?: <value>)?'/.exec(message)?.[1];
  if (!quoted) return message.split('\n')[0];
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') return `unknown flag ${quoted}`;
  if (code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') {
    return `unexpected argument "${quoted}": ${command} takes no arguments`;
  }
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    const name = quoted.replace(/^-+/, '');
    const spec = Object.entries(flags).find(([long, f]) => long === name || f.short === name)?.[1];
    if (spec?.type === 'boolean') return `${quoted} takes no value`;
    const what = spec?.value ? ` (${spec.value})` : '';
    // `--limit -3`: parseArgs will not take a value that looks like a flag without the `=`.
    return message.includes('ambiguous')
      ? `${quoted} needs a value${what}; one that starts with "-" is written ${quoted}=-…`
      : `${quoted} needs a value${what}`;
  }
  return message.split('\n')[0];
}
