import { AwsError } from './awsError';
import type { PublicAccessBlock } from './s3Model';
import { bool, bucketOf, document, malformedXml, requireChecksum, type S3Handler, xml } from './s3Request';
import { child, childText } from './xml';

/** The bucket settings a deploy manages: tags, versioning, default encryption, public access block. */

export const bucketSettingsHandlers: Record<string, S3Handler> = {
  PutBucketTagging(world, call, body) {
    requireChecksum(body);
    const tagSet = child(document(body, 'Tagging'), 'TagSet');
    if (!tagSet) throw malformedXml();
    const tags = new Map<string, string>();
    for (const tag of tagSet.children.filter((c) => c.name === 'Tag')) {
      const key = childText(tag, 'Key') ?? '';
      if (tags.has(key)) throw new AwsError('InvalidTag', 'Cannot provide multiple Tags with the same key');
      if (key.startsWith('aws:'))
        throw new AwsError('InvalidTag', 'System tags cannot be added/updated by requester');
      tags.set(key, child(tag, 'Value')?.text ?? '');
    }
    if (tags.size > 50) throw new AwsError('InvalidTag', 'Object tags cannot be greater than 50');
    bucketOf(world, call).tags = tags;
    return { status: 204 };
  },
  GetBucketTagging(world, call) {
    const tags = bucketOf(world, call).tags;
    if (!tags) throw new AwsError('NoSuchTagSet', 'The TagSet does not exist', 404);
    return xml('Tagging', { TagSet: { Tag: [...tags].map(([Key, Value]) => ({ Key, Value })) } });
  },
  DeleteBucketTagging(world, call) {
    bucketOf(world, call).tags = undefined;
    return { status: 204 };
  },
  PutBucketVersioning(world, call, body) {
    const status = childText(document(body, 'VersioningConfiguration'), 'Status');
    if (status !== 'Enabled' && status !== 'Suspended') throw malformedXml();
    bucketOf(world, call).versioning = status;
    return {};
  },
  GetBucketVersioning(world, call) {
    return xml('VersioningConfiguration', { Status: bucketOf(world, call).versioning });
  },
  PutBucketEncryption(world, call, body) {
    requireChecksum(body);
    const rule = child(document(body, 'ServerSideEncryptionConfiguration'), 'Rule');
    const byDefault = rule && child(rule, 'ApplyServerSideEncryptionByDefault');
    const algorithm = byDefault && childText(byDefault, 'SSEAlgorithm');
    if (!rule || !algorithm || !['AES256', 'aws:kms', 'aws:kms:dsse'].includes(algorithm))
      throw malformedXml();
    bucketOf(world, call).encryption = {
      algorithm,
      kmsKeyId: childText(byDefault, 'KMSMasterKeyID'),
      bucketKeyEnabled: bool(rule, 'BucketKeyEnabled'),
    };
    return {};
  },
  GetBucketEncryption(world, call) {
    const e = bucketOf(world, call).encryption;
    if (!e) {
      throw new AwsError(
        'ServerSideEncryptionConfigurationNotFoundError',
        'The server side encryption configuration was not found',
        404,
      );
    }
    return xml('ServerSideEncryptionConfiguration', {
      Rule: {
        ApplyServerSideEncryptionByDefault: { SSEAlgorithm: e.algorithm, KMSMasterKeyID: e.kmsKeyId },
        BucketKeyEnabled: e.bucketKeyEnabled,
      },
    });
  },
  DeleteBucketEncryption(world, call) {
    bucketOf(world, call).encryption = undefined;
    return { status: 204 };
  },
  PutPublicAccessBlock(world, call, body) {
    requireChecksum(body);
    const node = document(body, 'PublicAccessBlockConfiguration');
    const flags: PublicAccessBlock = {
      BlockPublicAcls: bool(node, 'BlockPublicAcls'),
      IgnorePublicAcls: bool(node, 'IgnorePublicAcls'),
      BlockPublicPolicy: bool(node, 'BlockPublicPolicy'),
      RestrictPublicBuckets: bool(node, 'RestrictPublicBuckets'),
    };
    bucketOf(world, call).publicAccessBlock = flags;
    return {};
  },
  GetPublicAccessBlock(world, call) {
    const flags = bucketOf(world, call).publicAccessBlock;
    if (!flags)
      throw new AwsError(
        'NoSuchPublicAccessBlockConfiguration',
        'The public access block configuration was not found',
        404,
      );
    return xml('PublicAccessBlockConfiguration', { ...flags });
  },
  DeletePublicAccessBlock(world, call) {
    bucketOf(world, call).publicAccessBlock = undefined;
    return { status: 204 };
  },
};
