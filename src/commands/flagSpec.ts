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
