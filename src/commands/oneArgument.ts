import type { ErrorIO } from './commandError';
import { type CommandDeclaration, type FlagValues, parseCommand, usageError } from './declaration';
import type { FlagSpecs } from './flagSpec';

/**
 * Parses `COMMAND ARG [--flags]` for the commands that act on one thing (a project, a job). Returns the
 * argument and the flags, or, after printing what is wrong and the usage, the exit code for bad usage.
 */
export function parseOneArgument<F extends FlagSpecs>(
  declaration: CommandDeclaration<F>,
  argv: string[],
  missing: string,
  io: ErrorIO,
): { arg: string; values: FlagValues<F> } | number {
  try {
    const parsed = parseCommand(declaration, argv);
    if (parsed.positionals.length === 0) throw new Error(missing);
    if (parsed.positionals.length > 1) {
      throw new Error(
        `unexpected argument "${parsed.positionals[1]}": give one ${declaration.args[0]?.name ?? 'argument'}`,
      );
    }
    return { arg: parsed.positionals[0], values: parsed.values };
  } catch (error) {
    return usageError(declaration, io, error);
  }
}
