import { type ParseArgsConfig, parseArgs } from 'node:util';
import { exitCodes } from '../services/bus/busFromEnv';

type Options = NonNullable<ParseArgsConfig['options']>;
type Values<O extends Options> = ReturnType<
  typeof parseArgs<{ options: O; allowPositionals: true; strict: true }>
>['values'];

/**
 * Parses `COMMAND ARG [--flags]` for the commands that act on one thing (a project, a job). Returns the
 * argument and the flags, or, after printing what is wrong and the usage, the exit code for bad usage.
 */
export function parseOneArgument<O extends Options>(
  argv: string[],
  spec: { command: string; options: O; missing: string; usage: string },
  stderr: NodeJS.WritableStream,
): { arg: string; values: Values<O> } | number {
  try {
    const parsed = parseArgs({ args: argv, options: spec.options, allowPositionals: true, strict: true });
    if (parsed.positionals.length !== 1) throw new Error(spec.missing);
    return { arg: parsed.positionals[0], values: parsed.values as Values<O> };
  } catch (error) {
    stderr.write(`infradeck ${spec.command}: ${(error as Error).message}\n${spec.usage}\n`);
    return exitCodes.usage;
  }
}
