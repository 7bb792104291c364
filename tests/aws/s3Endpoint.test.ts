import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, ListObjectsCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import S3rver from 's3rver';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Resource } from '../../src/domain/resource';
import { createAwsClients } from '../../src/services/aws/awsClients';
import { AwsProvider } from '../../src/services/aws/awsProvider';

// s3rver speaks the S3 REST API over real HTTP; it answers NotImplemented / MethodNotAllowed to versioning,
// tagging, encryption and public-access block. Bucket emptying falls back to ListObjects there.
describe('S3 through AWS_ENDPOINT_URL against s3rver', () => {
  let server: S3rver;
  let dir: string;
  let endpoint: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'infradeck-s3rver-'));
    server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: dir });
    const address = await server.run();
    endpoint = `http://127.0.0.1:${address.port}`;
  });

  // Destroyed even when a test fails: a client's open keep-alive sockets would hold s3rver's close.
  const opened: { destroy(): void }[] = [];
  afterEach(() => {
    for (const c of opened.splice(0)) c.destroy();
  });

  afterAll(async () => {
    await server?.close();
    await rm(dir, { recursive: true, force: true });
  });

  const provider = async () => {
    const env = {
      AWS_ENDPOINT_URL: endpoint,
      AWS_ACCESS_KEY_ID: 'S3RVER',
      AWS_SECRET_ACCESS_KEY: 'S3RVER',
      AWS_REGION: 'us-east-1',
      HOME: dir,
    };
    const clients = await createAwsClients({
      env,
      maxAttempts: 2,
      credentials: async () => ({ accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' }),
    });
    opened.push(clients);
    return {
      clients,
      aws: new AwsProvider(clients, { dependencyRetry: { attempts: 1, baseMs: 0, maxMs: 0 } }),
    };
  };

  it('sends S3 calls to AWS_ENDPOINT_URL_S3 from the environment, path-style, through the default chain', async () => {
    // The generic variable points nowhere: only the per-service one can make this work.
    vi.stubEnv('AWS_ENDPOINT_URL', 'http://127.0.0.1:9');
    vi.stubEnv('AWS_ENDPOINT_URL_S3', endpoint);
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'S3RVER');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'S3RVER');
    vi.stubEnv('AWS_PROFILE', '');
    vi.stubEnv('AWS_REGION', 'eu-west-1');
    vi.stubEnv('AWS_EC2_METADATA_DISABLED', 'true');
    try {
      const clients = await createAwsClients({ maxAttempts: 1 });
      opened.push(clients);
      expect(clients.endpoint('S3')).toBe(endpoint);
      expect(clients.endpoint('EC2')).toBe('http://127.0.0.1:9');
      expect(clients.s3().config.forcePathStyle).toBe(true);
      await clients.s3().send(new CreateBucketCommand({ Bucket: 'reach-check' }));
      // The request really reached s3rver: the bucket is there, listed with its objects.
      await clients.s3().send(new PutObjectCommand({ Bucket: 'reach-check', Key: 'hello.txt', Body: 'hi' }));
      const out = await clients.s3().send(new ListObjectsCommand({ Bucket: 'reach-check' }));
      expect(out.Contents?.map((o) => o.Key)).toEqual(['hello.txt']);
      const aws = new AwsProvider(clients);
      expect((await aws.scanBuckets()).map((b) => b.id)).toContain('reach-check');
    } finally {
      vi.unstubAllEnvs();
    }
  });

  it('lists buckets with their region, and deletes one only when emptying was confirmed', async () => {
    const { clients, aws } = await provider();
    const s3 = clients.s3();
    await s3.send(new CreateBucketCommand({ Bucket: 'web-artifacts' }));
    await s3.send(new CreateBucketCommand({ Bucket: 'empty-logs' }));
    // Sixteen puts in flight: one at a time, 1005 of them outlast the test's time on a loaded CI machine.
    const keys = Array.from({ length: 1005 }, (_, i) => i);
    for (let at = 0; at < keys.length; at += 16) {
      await Promise.all(
        keys
          .slice(at, at + 16)
          .map((i) =>
            s3.send(
              new PutObjectCommand({ Bucket: 'web-artifacts', Key: `build/${i}.txt`, Body: `build ${i}` }),
            ),
          ),
      );
    }

    const buckets = await aws.scanBuckets();
    const names = buckets.map((b) => b.id).sort();
    expect(names).toEqual(expect.arrayContaining(['empty-logs', 'web-artifacts']));
    const artifacts = buckets.find((b) => b.id === 'web-artifacts') as Resource;
    expect(artifacts.region).toBe('us-east-1');
    expect(artifacts.type).toBe('bucket');

    // Not confirmed: refused, and every object is still there.
    await expect(aws.deleteResource(artifacts, { emptyBucket: false })).rejects.toThrow(/not empty/);
    const still = await s3.send(new ListObjectsCommand({ Bucket: 'web-artifacts' }));
    expect(still.Contents).toHaveLength(1000); // first page of 1005
    expect(still.IsTruncated).toBe(true);

    // An empty bucket needs no confirmation.
    const empty = buckets.find((b) => b.id === 'empty-logs') as Resource;
    expect(await aws.deleteResource(empty, { emptyBucket: false })).toMatchObject({ status: 'deleted' });

    // Confirmed: emptied in pages of 1000 (ListObjects fallback, as s3rver has no versions), then deleted.
    const log: string[] = [];
    const outcome = await aws.deleteResource(artifacts, { emptyBucket: true, log: (l) => log.push(l) });
    expect(outcome.status).toBe('deleted');
    expect(log).toEqual(['web-artifacts: deleted 1000 objects', 'web-artifacts: deleted 1005 objects']);
    const after = (await aws.scanBuckets()).map((b) => b.id);
    expect(after).not.toContain('web-artifacts');
    expect(after).not.toContain('empty-logs');

    // Deleting it again: it vanished, which is reported, not a failure.
    expect(await aws.deleteResource(artifacts, { emptyBucket: true })).toMatchObject({ status: 'gone' });
  }, 60_000);
});
