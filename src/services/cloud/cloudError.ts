/**
 * An error from a cloud call, named with the AWS error code so the AWS SDK's errors and the demo cloud's
 * errors are read by the same code (`isThrottling`, `isDependencyViolation`, `describeRegionError`).
 */
export class CloudError extends Error {
  override readonly name: string;
  readonly code: string;
  readonly region?: string;
  readonly $retryable?: { throttling: boolean };
  /** Retrying the job cannot help (see `executeJob`): it fails at once. */
  readonly permanent?: boolean;

  constructor(
    code: string,
    message: string,
    options: { region?: string; throttling?: boolean; permanent?: boolean; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = code;
    this.code = code;
    this.region = options.region;
    if (options.throttling) this.$retryable = { throttling: true };
    if (options.permanent) this.permanent = true;
  }
}

/** The AWS error code of anything thrown by the SDK, the demo cloud or us. */
export function errorCode(err: unknown): string | undefined {
  if (!err || typeof err !== 'object') return undefined;
  const e = err as { code?: unknown; Code?: unknown; name?: unknown };
  for (const v of [e.code, e.Code, e.name]) if (typeof v === 'string' && v && v !== 'Error') return v;
  return undefined;
}

export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message || err.name;
  return String(err);
}

const throttlingCodes = new Set([
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'RequestThrottled',
  'RequestThrottledException',
  'RequestLimitExceeded',
  'TooManyRequestsException',
  'SlowDown',
  'BandwidthLimitExceeded',
  'EC2ThrottledException',
  'PriorRequestNotComplete',
]);

export function isThrottling(err: unknown): boolean {
  const code = errorCode(err);
  if (code && throttlingCodes.has(code)) return true;
  return Boolean((err as { $retryable?: { throttling?: boolean } } | undefined)?.$retryable?.throttling);
}

export function isDependencyViolation(err: unknown): boolean {
  return errorCode(err) === 'DependencyViolation';
}

/** The resource is already gone: a terminated instance, a deleted group, a bucket that no longer exists. */
export function isNotFound(err: unknown): boolean {
  const code = errorCode(err) ?? '';
  return code.endsWith('.NotFound') || code === 'NoSuchBucket' || code === 'NotFound';
}

export function isAbort(err: unknown): boolean {
  const code = errorCode(err);
  return code === 'AbortError' || code === 'TimeoutError';
}

/** An `AbortError` like the platform's, for an operation stopped by its signal. */
export function abortError(signal?: AbortSignal): Error {
  const reason = signal?.reason;
  if (reason instanceof Error && reason.name === 'AbortError') return reason;
  const e = new Error('the operation was cancelled');
  e.name = 'AbortError';
  return e;
}

export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw abortError(signal);
}

/** Why a region could not be scanned, in words an operator acts on. */
export function describeRegionError(region: string, err: unknown): string {
  const code = errorCode(err);
  const detail = errorMessage(err);
  switch (code) {
    case 'OptInRequired':
      return `${region}: not opted in (OptInRequired): enable the region for the account, or leave it out with --regions`;
    case 'AuthFailure':
      return `${region}: the credentials are not valid in this region (AuthFailure); it may be disabled for the account`;
    case 'UnauthorizedOperation':
    case 'AccessDenied':
    case 'AccessDeniedException':
      return `${region}: access denied (${code}): the identity may not describe resources here`;
    case 'InvalidClientTokenId':
    case 'UnrecognizedClientException':
      return `${region}: the access key is not known here (${code}); the region may be disabled for the account`;
    default:
      if (isThrottling(err))
        return `${region}: throttled by AWS even after retries (${code}): scan again later`;
      return `${region}: ${code ? `${code}: ` : ''}${detail}`;
  }
}

/** Errors a delete retries: the thing is still in use, and AWS frees it a little after its dependents go. */
export function isStillInUse(err: unknown): boolean {
  const code = errorCode(err);
  return code === 'DependencyViolation' || code === 'VolumeInUse' || code === 'InvalidGroup.InUse';
}

/** The region is not enabled for the account: there is nothing of ours there. */
export function isRegionUnavailable(err: unknown): boolean {
  const code = errorCode(err);
  return code === 'OptInRequired' || code === 'AuthFailure' || code === 'InvalidClientTokenId';
}

export function bucketNotEmptyError(name: string, detail: string): CloudError {
  return new CloudError(
    'BucketNotEmpty',
    `bucket ${name} is not empty (${detail}): it is deleted only when emptying it was confirmed`,
  );
}

/** Codes of faults that pass: the network, a timeout, AWS having a bad moment. */
const passingCodes = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'ENOTFOUND',
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
  'InternalError',
  'InternalFailure',
  'ServiceUnavailable',
  'Unavailable',
]);

/**
 * A failure that running the same job again soon cannot change: a refusal, a value AWS rejects, a conflict, a
 * DependencyViolation that outlived its retries, an unresolvable image alias. Such a job ends at once with its
 * explanation; job-level retries are kept for faults that pass (throttling, the network, 5xx) and dead workers.
 */
export function isLasting(err: unknown): boolean {
  if (!err || typeof err !== 'object') return false;
  if ((err as { permanent?: unknown }).permanent === true) return true;
  if (isAbort(err) || isThrottling(err) || isNotFound(err)) return false;
  const code = errorCode(err);
  if (!code || passingCodes.has(code)) return false;
  const e = err as { $fault?: string; $metadata?: { httpStatusCode?: number } };
  return e.$fault !== 'server' && (e.$metadata?.httpStatusCode ?? 400) < 500;
}

/** An error worded for people that keeps whether retrying could help (`permanent`, read by the job runner). */
export class ExplainedError extends Error {
  readonly permanent: boolean;

  constructor(message: string, options: { cause?: unknown; permanent?: boolean } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.permanent = options.permanent ?? isLasting(options.cause);
  }
}
