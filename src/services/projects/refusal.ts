import { refusalPrefix } from '../../domain/projectState';

export type RefusalReason = 'protected' | 'read-only' | 'busy' | 'blocked' | 'nothing-known';

/**
 * A job refused before it changed anything: a protected project without its confirmation, read-only mode,
 * another job holding the project, a plan the deployer cannot carry out. Its message starts with `refused:`,
 * and `permanent` tells a runner that retrying the same payload cannot help.
 */
export class RefusalError extends Error {
  override readonly name = 'RefusalError';
  readonly permanent = true;
  constructor(
    readonly reason: RefusalReason,
    message: string,
  ) {
    super(`${refusalPrefix} ${message}`);
  }
}
