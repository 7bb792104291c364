import { JobRefused } from '../../domain/refusal';

export type RefusalReason = 'protected' | 'read-only' | 'busy' | 'blocked' | 'nothing-known';

/**
 * A job refused before it changed anything: a protected project without its confirmation, read-only mode,
 * another job holding the project, a plan the deployer cannot carry out. Its message starts with `refused:`,
 * and `permanent` tells a runner that retrying the same payload cannot help.
 */
export class RefusalError extends JobRefused {
  override readonly name = 'RefusalError';
  constructor(
    readonly reason: RefusalReason,
    message: string,
  ) {
    super(message);
  }
}
