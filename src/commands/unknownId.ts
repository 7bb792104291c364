import { exitCodes } from '../services/bus/busFromEnv';

/** What the in-process queue keeps: an id from another process's run is not found here. */
export const memoryKeepsNote = 'without REDIS_URL only finished runs of this workspace are kept';

/** `no job 42 (infradeck jobs lists them)`, with a note inside the brackets when there is one. */
export function unknownIdText(what: 'job' | 'run', id: string, lister: string, note?: string): string {
  return `no ${what} ${id} (${lister} lists them${note ? `; ${note}` : ''})`;
}

/**
 * An id that names nothing, said the same way by every command: `infradeck jobs: no job 42 (infradeck jobs lists
 * them)`. It is bad input, as a mistyped flag is: exit 2 (1 is for a command that ran and failed).
 */
export function unknownId(
  io: { stderr: NodeJS.WritableStream },
  command: string,
  what: 'job' | 'run',
  id: string,
  lister: string,
  note?: string,
): number {
  io.stderr.write(`infradeck ${command}: ${unknownIdText(what, id, lister, note)}\n`);
  return exitCodes.usage;
}
