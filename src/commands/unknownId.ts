import { exitCodes } from '../services/bus/busFromEnv';
import { commandError, type ErrorIO } from './commandError';

/** What the in-process queue keeps: an id from another process's run is not found here. */
export const memoryKeepsNote = 'without REDIS_URL only finished runs of this workspace are kept';

/** `no job 42 (infradeck jobs lists them)`, with a note inside the brackets when there is one. */
export function unknownIdText(what: 'job' | 'run', id: string, lister: string, note?: string): string {
  return `no ${what} ${id} (${lister} lists them${note ? `; ${note}` : ''})`;
}

/**
 * An id that names nothing, said the same way by every command: `infradeck jobs: no job 42 (infradeck jobs lists
 * them)`. It is bad input, as a mistyped flag is: exit 2 (1 is for a command that ran and failed). With `--json`,
 * `{"errors": [{message, text}]}` on stdout too.
 */
export function unknownId(
  io: ErrorIO,
  command: string,
  what: 'job' | 'run',
  id: string,
  lister: string,
  note?: string,
): number {
  return commandError(io, command, unknownIdText(what, id, lister, note), exitCodes.usage);
}
