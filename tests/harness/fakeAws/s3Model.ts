import { createHash, randomBytes } from 'node:crypto';

/** Buckets and their objects. An object is a list of versions, oldest first; unversioned ones have id "null". */

export interface ObjectVersion {
  key: string;
  versionId: string;
  deleteMarker: boolean;
  body: Buffer;
  etag: string;
  lastModified: Date;
}

export interface PublicAccessBlock {
  BlockPublicAcls: boolean;
  IgnorePublicAcls: boolean;
  BlockPublicPolicy: boolean;
  RestrictPublicBuckets: boolean;
}

export interface Encryption {
  algorithm: string;
  kmsKeyId?: string;
  bucketKeyEnabled: boolean;
}

export interface Bucket {
  name: string;
  region: string;
  created: Date;
  tags?: Map<string, string>;
  versioning?: 'Enabled' | 'Suspended';
  encryption?: Encryption;
  publicAccessBlock?: PublicAccessBlock;
  objects: Map<string, ObjectVersion[]>;
}

export function newVersionId(): string {
  return randomBytes(24).toString('base64url').slice(0, 32);
}

/** Adds a version (or a delete marker) the way the bucket's versioning state says. */
export function putVersion(bucket: Bucket, key: string, body: Buffer | undefined): ObjectVersion {
  const versionId = bucket.versioning === 'Enabled' ? newVersionId() : 'null';
  const version: ObjectVersion = {
    key,
    versionId,
    deleteMarker: body === undefined,
    body: body ?? Buffer.alloc(0),
    etag: `"${createHash('md5')
      .update(body ?? '')
      .digest('hex')}"`,
    lastModified: new Date(),
  };
  const versions = (bucket.objects.get(key) ?? []).filter((v) => v.versionId !== versionId);
  // Without versioning an unversioned delete leaves nothing behind.
  if (version.deleteMarker && !bucket.versioning) {
    bucket.objects.delete(key);
    return version;
  }
  bucket.objects.set(key, [...versions, version]);
  return version;
}

export function removeVersion(bucket: Bucket, key: string, versionId: string): ObjectVersion | undefined {
  const versions = bucket.objects.get(key) ?? [];
  const gone = versions.find((v) => v.versionId === versionId);
  const rest = versions.filter((v) => v !== gone);
  if (rest.length) bucket.objects.set(key, rest);
  else bucket.objects.delete(key);
  return gone;
}

export function latest(bucket: Bucket, key: string): ObjectVersion | undefined {
  return bucket.objects.get(key)?.at(-1);
}

/** The current objects (latest versions that are not delete markers), by key. */
export function currentObjects(bucket: Bucket): ObjectVersion[] {
  return [...bucket.objects.keys()]
    .sort()
    .map((k) => latest(bucket, k)!)
    .filter((v) => !v.deleteMarker);
}

/** Every version and delete marker, by key, newest first within a key (ListObjectVersions' order). */
export function allVersions(bucket: Bucket): (ObjectVersion & { isLatest: boolean })[] {
  return [...bucket.objects.keys()]
    .sort()
    .flatMap((k) => [...bucket.objects.get(k)!].reverse().map((v, i) => ({ ...v, isLatest: i === 0 })));
}
