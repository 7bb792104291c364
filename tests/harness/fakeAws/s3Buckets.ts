import { AwsError } from './awsError';
import { bucketOf, canonicalId, document, type S3Handler, s3Xmlns, xml } from './s3Request';
import { childText } from './xml';

/** Buckets themselves: list, create (with S3's region rules), head, delete, location. */

export const bucketHandlers: Record<string, S3Handler> = {
  ListBuckets(world, call) {
    const wanted = call.query.get('bucket-region');
    const prefix = call.query.get('prefix') ?? '';
    const buckets = [...world.buckets.values()]
      .filter((b) => (!wanted || b.region === wanted) && b.name.startsWith(prefix))
      .sort((a, b) => a.name.localeCompare(b.name));
    return xml('ListAllMyBucketsResult', {
      Owner: { ID: canonicalId(world.account) },
      Buckets: {
        Bucket: buckets.map((b) => ({
          Name: b.name,
          CreationDate: b.created,
          BucketRegion: b.region,
          BucketArn: `arn:aws:s3:::${b.name}`,
        })),
      },
      Prefix: call.query.get('prefix') ?? undefined,
    });
  },
  CreateBucket(world, call, body) {
    const name = call.bucket!;
    if (
      !/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(name) ||
      name.includes('..') ||
      /^\d+\.\d+\.\d+\.\d+$/.test(name)
    )
      throw new AwsError('InvalidBucketName', 'The specified bucket is not valid.');
    let constraint: string | undefined;
    if (body.bytes.length)
      constraint = childText(document(body, 'CreateBucketConfiguration'), 'LocationConstraint') || undefined;
    if (constraint === 'us-east-1' || (constraint && !world.regions.includes(constraint)))
      throw new AwsError('InvalidLocationConstraint', 'The specified location-constraint is not valid');
    const region = constraint ?? 'us-east-1';
    if (call.region !== 'us-east-1' && call.region !== region) {
      throw new AwsError(
        'IllegalLocationConstraintException',
        `The ${constraint ?? 'unspecified'} location constraint is incompatible for the region specific endpoint this request was sent to.`,
      );
    }
    if (world.takenNames.has(name)) {
      throw new AwsError(
        'BucketAlreadyExists',
        'The requested bucket name is not available. The bucket namespace is shared by all users of the system. Please select a different name and try again.',
        409,
      );
    }
    const existing = world.buckets.get(name);
    // us-east-1 keeps its old answer: creating a bucket you already own there succeeds again.
    if (existing && !(existing.region === 'us-east-1' && region === 'us-east-1')) {
      throw new AwsError(
        'BucketAlreadyOwnedByYou',
        'Your previous request to create the named bucket succeeded and you already own it.',
        409,
      );
    }
    if (!existing) world.buckets.set(name, { name, region, created: new Date(), objects: new Map() });
    return {
      headers: {
        location: region === 'us-east-1' ? `/${name}` : `http://${name}.s3.amazonaws.com/`,
        'x-amz-bucket-arn': `arn:aws:s3:::${name}`,
      },
    };
  },
  HeadBucket(_world, call) {
    return { headers: { 'x-amz-bucket-region': call.region, 'x-amz-access-point-alias': 'false' } };
  },
  DeleteBucket(world, call) {
    const bucket = bucketOf(world, call);
    if (bucket.objects.size) {
      const detail = bucket.versioning ? ' You must delete all versions in the bucket.' : '';
      throw new AwsError('BucketNotEmpty', `The bucket you tried to delete is not empty.${detail}`, 409);
    }
    world.buckets.delete(bucket.name);
    return { status: 204 };
  },
  GetBucketLocation(world, call) {
    const region = bucketOf(world, call).region;
    return {
      headers: { 'content-type': 'application/xml' },
      body: `<?xml version="1.0" encoding="UTF-8"?>\n${region === 'us-east-1' ? `<LocationConstraint xmlns="${s3Xmlns}"/>` : `<LocationConstraint xmlns="${s3Xmlns}">${region}</LocationConstraint>`}`,
    };
  },
};
