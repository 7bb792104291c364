import {
  GetBucketEncryptionCommand,
  GetBucketTaggingCommand,
  GetBucketVersioningCommand,
  GetPublicAccessBlockCommand,
  type PublicAccessBlockConfiguration,
  type S3Client,
} from '@aws-sdk/client-s3';
import { tagsToRecord } from '../../domain/resource';
import { errorCode, isAbort } from '../cloud/cloudError';

/** What a deploy manages on a bucket, read from S3 (the same keys the demo cloud keeps in `raw`). */
export interface BucketSettings {
  tags: Record<string, string>;
  versioning: boolean;
  encryption: boolean;
  blockPublicAccess: boolean;
  /** The four public-access-block flags as S3 has them (undefined: no configuration). */
  publicAccessBlock?: PublicAccessBlockConfiguration;
}

/** An S3 "there is none" answer: the setting is simply not configured. */
async function orNone<T>(codes: string[], call: () => Promise<T>): Promise<T | undefined> {
  try {
    return await call();
  } catch (err) {
    if (isAbort(err)) throw err;
    if (codes.includes(errorCode(err) ?? '')) return undefined;
    throw err;
  }
}

const allBlocked = (c: PublicAccessBlockConfiguration | undefined): boolean =>
  Boolean(c?.BlockPublicAcls && c.IgnorePublicAcls && c.BlockPublicPolicy && c.RestrictPublicBuckets);

/**
 * Reads the bucket's tags and settings, four calls at once. `ExpectedBucketOwner` makes S3 refuse (403) a bucket
 * of another account, so a name that was taken from under us is never read as ours.
 */
export async function readBucketSettings(
  s3: S3Client,
  bucket: string,
  owner: string | undefined,
  signal?: AbortSignal,
): Promise<BucketSettings> {
  const opts = { abortSignal: signal };
  const input = { Bucket: bucket, ...(owner ? { ExpectedBucketOwner: owner } : {}) };
  const [tagging, versioning, encryption, block] = await Promise.all([
    orNone(['NoSuchTagSet', 'NotImplemented'], () => s3.send(new GetBucketTaggingCommand(input), opts)),
    s3.send(new GetBucketVersioningCommand(input), opts),
    orNone(['ServerSideEncryptionConfigurationNotFoundError'], () =>
      s3.send(new GetBucketEncryptionCommand(input), opts),
    ),
    orNone(['NoSuchPublicAccessBlockConfiguration'], () =>
      s3.send(new GetPublicAccessBlockCommand(input), opts),
    ),
  ]);
  return {
    tags: tagsToRecord(tagging?.TagSet),
    versioning: versioning.Status === 'Enabled',
    encryption: Boolean(encryption?.ServerSideEncryptionConfiguration?.Rules?.length),
    blockPublicAccess: allBlocked(block?.PublicAccessBlockConfiguration),
    publicAccessBlock: block?.PublicAccessBlockConfiguration,
  };
}
