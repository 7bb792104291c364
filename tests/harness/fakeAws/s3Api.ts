import { randomUUID } from 'node:crypto';
import { AwsError } from './awsError';
import type { RequestBody } from './requestBody';
import { bucketSettingsHandlers } from './s3BucketSettings';
import { bucketHandlers } from './s3Buckets';
import { objectHandlers } from './s3Objects';
import type { S3Call, S3Handler, S3World } from './s3Request';
import type { ServiceAnswer } from './serviceAnswer';
import { escapeXml } from './xml';

export type { S3Call, S3World } from './s3Request';

const handlers: Record<string, S3Handler> = {
  ...bucketHandlers,
  ...bucketSettingsHandlers,
  ...objectHandlers,
};

const listParams = new Set([
  'prefix',
  'marker',
  'max-keys',
  'delimiter',
  'list-type',
  'continuation-token',
  'start-after',
  'encoding-type',
  'key-marker',
  'version-id-marker',
  'fetch-owner',
  'x-id',
  'versionId',
  'max-buckets',
  'bucket-region',
]);

const bucketOperations: Record<string, string> = {
  'PUT ': 'CreateBucket',
  'HEAD ': 'HeadBucket',
  'DELETE ': 'DeleteBucket',
  'GET ': 'ListObjects',
  'GET location': 'GetBucketLocation',
  'PUT tagging': 'PutBucketTagging',
  'GET tagging': 'GetBucketTagging',
  'DELETE tagging': 'DeleteBucketTagging',
  'PUT versioning': 'PutBucketVersioning',
  'GET versioning': 'GetBucketVersioning',
  'PUT encryption': 'PutBucketEncryption',
  'GET encryption': 'GetBucketEncryption',
  'DELETE encryption': 'DeleteBucketEncryption',
  'PUT publicAccessBlock': 'PutPublicAccessBlock',
  'GET publicAccessBlock': 'GetPublicAccessBlock',
  'DELETE publicAccessBlock': 'DeletePublicAccessBlock',
  'GET versions': 'ListObjectVersions',
  'POST delete': 'DeleteObjects',
};

const objectOperations: Record<string, string> = {
  PUT: 'PutObject',
  GET: 'GetObject',
  HEAD: 'HeadObject',
  DELETE: 'DeleteObject',
};

/** The operation a REST request is, by method, path and sub-resource; undefined for one we do not implement. */
export function s3Operation(call: Pick<S3Call, 'method' | 'bucket' | 'key' | 'query'>): string | undefined {
  const subresources = [...call.query.keys()].filter((k) => !listParams.has(k));
  if (subresources.length > 1) return undefined;
  const sub = subresources[0] ?? '';
  if (!call.bucket) return call.method === 'GET' && !sub ? 'ListBuckets' : undefined;
  if (call.key) return sub ? undefined : objectOperations[call.method];
  const op = bucketOperations[`${call.method} ${sub}`];
  return op === 'ListObjects' && call.query.get('list-type') === '2' ? 'ListObjectsV2' : op;
}

export function isS3Mutating(action: string): boolean {
  return /^(Create|Put|Delete)/.test(action);
}

export function s3Error(err: AwsError, action: string, call: S3Call): ServiceAnswer {
  const requestId = randomUUID().replace(/-/g, '').slice(0, 16).toUpperCase();
  const headers: Record<string, string> = {
    'x-amz-request-id': requestId,
    'x-amz-id-2': requestId,
    ...err.headers,
  };
  // HEAD answers carry no body: the SDK names the error after the status (NotFound, Forbidden).
  if (call.method === 'HEAD') return { status: err.status, headers, body: '', action, error: err.code };
  headers['content-type'] = 'application/xml';
  const body =
    `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${escapeXml(err.code)}</Code><Message>${escapeXml(err.message)}</Message>` +
    `${call.bucket ? `<BucketName>${escapeXml(call.bucket)}</BucketName>` : ''}<RequestId>${requestId}</RequestId><HostId>${requestId}</HostId></Error>`;
  return { status: err.status, headers, body, action, error: err.code };
}

const noSuchBucket = () => new AwsError('NoSuchBucket', 'The specified bucket does not exist', 404);

/** The bucket a call is about, after the checks S3 makes first: it exists, it is ours, it is in this region. */
function checkAccess(world: S3World, call: S3Call, action: string): void {
  const name = call.bucket!;
  const bucket = world.buckets.get(name);
  if (!bucket) {
    if (world.takenNames.has(name)) throw new AwsError('AccessDenied', 'Access Denied', 403);
    throw noSuchBucket();
  }
  const expected = call.headers['x-amz-expected-bucket-owner'];
  if (expected !== undefined && expected !== world.account)
    throw new AwsError('AccessDenied', 'Access Denied', 403);
  if (bucket.region !== call.region && action !== 'GetBucketLocation') {
    throw new AwsError(
      'PermanentRedirect',
      'The bucket you are attempting to access must be addressed using the specified endpoint. Please send all future requests to this endpoint.',
      301,
      { 'x-amz-bucket-region': bucket.region },
    );
  }
}

/** One S3 REST request, path-style (`/bucket/key`). */
export function answerS3(world: S3World, call: S3Call, body: RequestBody): ServiceAnswer {
  const action = s3Operation(call);
  try {
    if (!action) {
      throw new AwsError(
        'NotImplemented',
        'A header you provided implies functionality that is not implemented',
        501,
      );
    }
    if (call.bucket && action !== 'CreateBucket') checkAccess(world, call, action);
    const result = handlers[action](world, call, body);
    const requestId = randomUUID().replace(/-/g, '').slice(0, 16).toUpperCase();
    const out = result.body ?? '';
    return {
      status: result.status ?? 200,
      headers: {
        'x-amz-request-id': requestId,
        'x-amz-id-2': requestId,
        ...(call.method === 'HEAD' ? {} : { 'content-length': String(Buffer.byteLength(out)) }),
        ...result.headers,
      },
      body: call.method === 'HEAD' ? '' : out,
      action,
      target: call.bucket,
    };
  } catch (err) {
    if (err instanceof AwsError) return s3Error(err, action ?? `${call.method} ${call.bucket ?? '/'}`, call);
    throw err;
  }
}
