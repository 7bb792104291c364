import { parseArgs } from 'node:util';
import { exitCodes } from '../services/bus/busFromEnv';
import type { WorkerFlags } from '../worker/jobHandlers';
import { commandError, type ErrorIO } from './commandError';
import type { CommandIO } from './commandIO';
import { type FlagSpecs, parseErrorText, valuedFlags } from './flagSpec';

export type { FlagSpec, FlagSpecs } from './flagSpec';

export interface ArgumentSpec {
  /** As usage shows it: `PROJECT`, `on|off`, `ID|REGION/ID`. */
  name: string;
  help: string;
  optional?: boolean;
  /** One or more (zero or more when optional). */
  variadic?: boolean;
}

/** What the CLI hands a command: the workspace, the streams, the global flags, and Ctrl-C as a signal. */
export type HeadlessIO = CommandIO & WorkerFlags & { signal: AbortSignal };

/** A headless command, declared once: usage, `--help` and argument parsing all come from this. */
export interface CommandDeclaration<F extends FlagSpecs = FlagSpecs> {
  name: string;
  /** One line for `infradeck --help`. */
  summary: string;
  /** What `infradeck NAME --help` says besides the summary. */
  description?: string;
  args: readonly ArgumentSpec[];
  flags: F;
  /** Everything from the first argument on is passed on verbatim (`run PROGRAM ARGS…`), flags included. */
  passThrough?: boolean;
  /** Exit codes and what each means for this command, in order. */
  exits: Readonly<Record<string, string>>;
  /** False: Ctrl-C ends the process at once instead of aborting `io.signal` (nothing to cancel). */
  catchesSignals?: boolean;
  run: (argv: string[], io: HeadlessIO) => Promise<number>;
}

/** Keeps a declaration's literal flag names, so `parseCommand` returns typed values. */
export function declareCommand<F extends FlagSpecs>(
  declaration: CommandDeclaration<F>,
): CommandDeclaration<F> {
  return declaration;
}

export type FlagValues<F extends FlagSpecs> = {
  [K in keyof F]?: F[K]['type'] extends 'boolean'
    ? boolean
    : F[K] extends { multiple: true }
      ? string[]
      : string;
};

export interface ParsedCommand<F extends FlagSpecs> {
  values: FlagValues<F>;
  positionals: string[];
}

/**
 * Parses a command's own argv by its declaration. Throws an Error naming what is wrong (an unknown flag,
 * a missing value, an argument a command without arguments was given).
 */
export function parseCommand<F extends FlagSpecs>(
  declaration: CommandDeclaration<F>,
  argv: string[],
): ParsedCommand<F> {
  let ours = argv;
  let passed: string[] = [];
  if (declaration.passThrough) {
    // Our flags come first; the first argument that is not one of them (or everything after `--`) is passed on.
    const valued = valuedFlags(declaration.flags);
    let i = 0;
    for (; i < argv.length; i++) {
      const arg = argv[i];
      if (arg === '--') {
        passed = argv.slice(i + 1);
        break;
      }
      if (!arg.startsWith('-')) {
        passed = argv.slice(i);
        break;
      }
      if (valued.has(arg)) i++;
    }
    ours = argv.slice(0, Math.min(i, argv.length));
  }
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: ours,
      options: declaration.flags,
      allowPositionals: declaration.args.length > 0 && !declaration.passThrough,
      strict: true,
    });
  } catch (error) {
    throw new Error(parseErrorText(declaration.name, declaration.flags, error));
  }
  const { values, positionals } = parsed;
  return {
    values: values as FlagValues<F>,
    positionals: declaration.passThrough ? passed : positionals,
  };
}

/**
 * Prints `infradeck NAME: what is wrong` and the usage line (with `--json` also `{"errors": [{message, text}]}` on
 * stdout); returns the exit code for bad usage.
 */
export function usageError(declaration: CommandDeclaration, io: ErrorIO, error: unknown): number {
  const message = error instanceof Error ? error.message : String(error);
  return commandError(io, declaration.name, message, exitCodes.usage, [usageLine(declaration)]);
}

/** `usage: infradeck NAME ARGS [--flag] [--flag VALUE]` (flags first, then `[--] ARGS`, for a pass-through). */
export function usageLine(declaration: CommandDeclaration): string {
  return `usage: ${usageWords(declaration).join(' ')}`;
}

export function usageWords(declaration: CommandDeclaration): string[] {
  const args = declaration.args.map((a) => {
    const word = a.variadic ? `${a.name}…` : a.name;
    return a.optional ? `[${word}]` : word;
  });
  const flags = Object.entries(declaration.flags).map(
    ([name, f]) => `[--${name}${f.type === 'string' ? ` ${f.value ?? 'VALUE'}` : ''}]`,
  );
  return declaration.passThrough
    ? ['infradeck', declaration.name, ...flags, '[--]', ...args]
    : ['infradeck', declaration.name, ...args, ...flags];
}
