import type { SourceError } from '../domain/sourceError';
import { sourceErrorsJson } from './sourceErrorsJson';

/** Where a command that stops says why: a person reads stderr; with `--json` a script reads stdout. */
export interface ErrorIO {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  /** `--json` (the global flag, or the command's own): stdout gets `{"errors": [...]}` too. */
  json?: boolean;
}

/**
 * With `--json`, the one JSON document of a command that stops before its answer: `{"errors": [...]}` in the shape
 * every `--json` gives its errors (`{file, line, column, path, message, text}`, or `{message, text}`). A script
 * reading stdout always gets JSON, whatever went wrong; without `--json` nothing is written.
 */
export function writeErrorsJson(io: ErrorIO, errors: readonly (SourceError | string)[]): void {
  if (io.json) io.stdout.write(`${JSON.stringify({ errors: sourceErrorsJson(errors) }, null, 2)}\n`);
}

/**
 * `infradeck COMMAND: message` on stderr (and `more` lines after it, like a usage line), and with `--json`
 * `{"errors": [{message, text}]}` on stdout. Returns `code`, the exit code it was called with.
 */
export function commandError(
  io: ErrorIO,
  command: string,
  message: string,
  code: number,
  more: readonly string[] = [],
): number {
  io.stderr.write([`infradeck ${command}: ${message}`, ...more].map((l) => `${l}\n`).join(''));
  writeErrorsJson(io, [message]);
  return code;
}
