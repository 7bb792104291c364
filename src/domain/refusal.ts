/** Refusals start with this word, so every caller can tell "refused, nothing changed" from a failure. */
export const refusedPrefix = 'refused:';

export function isRefusal(message: string): boolean {
  return message.startsWith(refusedPrefix);
}

/**
 * A job refused before it changed anything: read-only mode, a confirmation that does not match, another
 * account, a project held by another deploy. `permanent`: the runner fails it at once, because running it
 * again with the same payload cannot help.
 */
export class JobRefused extends Error {
  override readonly name: string = 'JobRefused';
  readonly permanent = true;
  constructor(message: string) {
    super(`${refusedPrefix} ${message}`);
  }
}
