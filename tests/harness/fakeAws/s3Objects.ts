import { AwsError } from './awsError';
import { allVersions, currentObjects, latest, putVersion, removeVersion } from './s3Model';
import {
  bucketOf,
  canonicalId,
  document,
  malformedXml,
  requireChecksum,
  type S3Call,
  type S3Handler,
  type S3World,
  xml,
} from './s3Request';
import { childText, RawXml, xmlElement } from './xml';

/** Objects: enough to fill a bucket and to empty it (every version and delete marker) before deleting it. */

function maxKeys(call: S3Call): number {
  const text = call.query.get('max-keys');
  const n = text === null ? 1000 : Number(text);
  if (!Number.isInteger(n) || n < 0)
    throw new AwsError('InvalidArgument', 'Provided max-keys not an integer or within integer range');
  return Math.min(n, 1000);
}

function objectXml(world: S3World, v: { key: string; etag: string; body: Buffer; lastModified: Date }) {
  return {
    Key: v.key,
    LastModified: v.lastModified,
    ETag: v.etag,
    Size: v.body.length,
    Owner: { ID: canonicalId(world.account) },
    StorageClass: 'STANDARD',
  };
}

function getObject(withBody: boolean): S3Handler {
  return (world, call) => {
    const bucket = bucketOf(world, call);
    const versionId = call.query.get('versionId');
    const v = versionId
      ? bucket.objects.get(call.key!)?.find((x) => x.versionId === versionId)
      : latest(bucket, call.key!);
    if (!v || v.deleteMarker) throw new AwsError('NoSuchKey', 'The specified key does not exist.', 404);
    return {
      headers: {
        'content-type': 'application/octet-stream',
        'content-length': String(v.body.length),
        etag: v.etag,
        'last-modified': v.lastModified.toUTCString(),
        ...(bucket.versioning ? { 'x-amz-version-id': v.versionId } : {}),
      },
      body: withBody ? v.body : undefined,
    };
  };
}

export const objectHandlers: Record<string, S3Handler> = {
  ListObjects(world, call) {
    const bucket = bucketOf(world, call);
    const prefix = call.query.get('prefix') ?? '';
    const marker = call.query.get('marker') ?? '';
    const limit = maxKeys(call);
    const all = currentObjects(bucket).filter((v) => v.key.startsWith(prefix) && v.key > marker);
    return xml('ListBucketResult', {
      Name: bucket.name,
      Prefix: prefix,
      Marker: marker,
      MaxKeys: limit,
      IsTruncated: all.length > limit,
      Contents: all.slice(0, limit).map((v) => objectXml(world, v)),
    });
  },
  ListObjectsV2(world, call) {
    const bucket = bucketOf(world, call);
    const prefix = call.query.get('prefix') ?? '';
    const token = call.query.get('continuation-token');
    const after = token ? Buffer.from(token, 'base64url').toString() : (call.query.get('start-after') ?? '');
    const limit = maxKeys(call);
    const all = currentObjects(bucket).filter((v) => v.key.startsWith(prefix) && v.key > after);
    const page = all.slice(0, limit);
    return xml('ListBucketResult', {
      Name: bucket.name,
      Prefix: prefix,
      MaxKeys: limit,
      KeyCount: page.length,
      IsTruncated: all.length > limit,
      ContinuationToken: token ?? undefined,
      NextContinuationToken:
        all.length > limit ? Buffer.from(page.at(-1)!.key).toString('base64url') : undefined,
      Contents: page.map((v) => objectXml(world, v)),
    });
  },
  ListObjectVersions(world, call) {
    const bucket = bucketOf(world, call);
    const prefix = call.query.get('prefix') ?? '';
    const keyMarker = call.query.get('key-marker') ?? '';
    const limit = maxKeys(call);
    const all = allVersions(bucket).filter((v) => v.key.startsWith(prefix) && v.key > keyMarker);
    const page = all.slice(0, limit);
    const truncated = all.length > limit;
    const owner = { ID: canonicalId(world.account) };
    const entries = page
      .map((v) =>
        v.deleteMarker
          ? xmlElement(
              'DeleteMarker',
              {
                Owner: owner,
                Key: v.key,
                VersionId: v.versionId,
                IsLatest: v.isLatest,
                LastModified: v.lastModified,
              },
              'repeat',
            )
          : xmlElement(
              'Version',
              { ...objectXml(world, v), VersionId: v.versionId, IsLatest: v.isLatest },
              'repeat',
            ),
      )
      .join('');
    return xml('ListVersionsResult', {
      Name: bucket.name,
      Prefix: prefix,
      KeyMarker: keyMarker,
      VersionIdMarker: call.query.get('version-id-marker') ?? '',
      NextKeyMarker: truncated ? page.at(-1)!.key : undefined,
      NextVersionIdMarker: truncated ? page.at(-1)!.versionId : undefined,
      MaxKeys: limit,
      IsTruncated: truncated,
      entries: new RawXml(entries),
    });
  },
  DeleteObjects(world, call, body) {
    requireChecksum(body);
    const bucket = bucketOf(world, call);
    const root = document(body, 'Delete');
    const objects = root.children.filter((c) => c.name === 'Object');
    if (objects.length === 0 || objects.length > 1000) throw malformedXml();
    const quiet = childText(root, 'Quiet') === 'true';
    const deleted = objects.map((o) => {
      const key = childText(o, 'Key') ?? '';
      const versionId = childText(o, 'VersionId');
      if (versionId) {
        const gone = removeVersion(bucket, key, versionId);
        return gone?.deleteMarker
          ? { Key: key, VersionId: versionId, DeleteMarker: true, DeleteMarkerVersionId: versionId }
          : { Key: key, VersionId: versionId };
      }
      if (!bucket.versioning) {
        bucket.objects.delete(key);
        return { Key: key };
      }
      const marker = putVersion(bucket, key, undefined);
      return { Key: key, DeleteMarker: true, DeleteMarkerVersionId: marker.versionId };
    });
    return xml('DeleteResult', { Deleted: quiet ? undefined : deleted });
  },
  PutObject(world, call, body) {
    const bucket = bucketOf(world, call);
    const v = putVersion(bucket, call.key!, body.bytes);
    return {
      headers: {
        etag: v.etag,
        'x-amz-server-side-encryption': 'AES256',
        ...(bucket.versioning ? { 'x-amz-version-id': v.versionId } : {}),
      },
    };
  },
  GetObject: getObject(true),
  HeadObject: getObject(false),
  DeleteObject(world, call) {
    const bucket = bucketOf(world, call);
    const versionId = call.query.get('versionId');
    if (versionId) {
      const gone = removeVersion(bucket, call.key!, versionId);
      return {
        status: 204,
        headers: {
          'x-amz-version-id': versionId,
          ...(gone?.deleteMarker ? { 'x-amz-delete-marker': 'true' } : {}),
        },
      };
    }
    const marker = putVersion(bucket, call.key!, undefined);
    const headers: Record<string, string> = bucket.versioning
      ? { 'x-amz-delete-marker': 'true', 'x-amz-version-id': marker.versionId }
      : {};
    return { status: 204, headers };
  },
};
