/** An error answered the way the service answers it: the code the SDK turns into the error's name, and the status. */
export class AwsError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
    /** Headers the answer carries besides the error, e.g. S3's `x-amz-bucket-region` on a redirect. */
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export function missingParameter(name: string): AwsError {
  return new AwsError('MissingParameter', `The request must contain the parameter ${name}`);
}

export function invalidParameterValue(message: string): AwsError {
  return new AwsError('InvalidParameterValue', message);
}
