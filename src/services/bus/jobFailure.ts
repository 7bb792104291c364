/**
 * A job that failed and still has something to show: a target's exit code, duration and last line, a batch's
 * targets. The job ends `failed` with `error` = the message AND `result` = this result (both transports keep it).
 * `permanent`: fail now instead of retrying per the kind's policy (the outcome would be the same).
 */
export class JobFailure<R = unknown> extends Error {
  override readonly name: string = 'JobFailure';
  readonly permanent: boolean;
  constructor(
    message: string,
    readonly result: R,
    options: { permanent?: boolean } = {},
  ) {
    super(message);
    this.permanent = options.permanent ?? false;
  }
}

export function isJobFailure(error: unknown): error is JobFailure {
  return error instanceof JobFailure;
}
