import { Readable } from 'node:stream';
import {
  DeleteRouteTableCommand,
  DescribeInstancesCommand,
  DescribeRouteTablesCommand,
  DescribeSecurityGroupsCommand,
  DescribeVpcsCommand,
  EC2Client,
} from '@aws-sdk/client-ec2';
import {
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteBucketEncryptionCommand,
  DeleteBucketTaggingCommand,
  DeletePublicAccessBlockCommand,
  GetBucketEncryptionCommand,
  GetBucketLocationCommand,
  GetBucketTaggingCommand,
  GetBucketVersioningCommand,
  GetPublicAccessBlockCommand,
  HeadBucketCommand,
  ListBucketsCommand,
  ListObjectVersionsCommand,
  PutBucketEncryptionCommand,
  PutBucketTaggingCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  PutPublicAccessBlockCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { projectTag } from '../../src/domain/resource';
import { type AwsClients, createAwsClients } from '../../src/services/aws/awsClients';
import { AwsProvider, type AwsProviderOptions } from '../../src/services/aws/awsProvider';
import { al2023ImageId, type FakeAws, startFakeAws } from '../harness/fakeAws/fakeAws';

// The real SDK clients, through the project's provider, against the in-memory endpoint over HTTP: what these
// tests see is what the fault-injection tests' workers see.

const account = '123456789012';
const keys = { accessKeyId: 'AKIDFAKEFAKEFAKE', secretAccessKey: 'fake/secret/key' };
const tags = { [projectTag]: 'shop', Name: 'shop-web' };
const noRetry = { attempts: 1, baseMs: 0, maxMs: 0 };

let fake: FakeAws;
const opened: AwsClients[] = [];

beforeAll(async () => {
  fake = await startFakeAws();
});
afterAll(async () => {
  await fake.close();
});
beforeEach(() => {
  fake.reset();
  fake.setAfterMutation(undefined);
});
afterEach(() => {
  for (const c of opened.splice(0)) c.destroy();
  vi.unstubAllEnvs();
});

/** A provider as a worker builds one: endpoint, keys and region from the environment. */
async function provider(
  caller = 'test',
  { maxAttempts = 2, ...options }: AwsProviderOptions & { maxAttempts?: number } = {},
) {
  vi.stubEnv('AWS_ENDPOINT_URL', await fake.endpoint(caller));
  for (const service of ['EC2', 'S3', 'STS', 'SSM']) vi.stubEnv(`AWS_ENDPOINT_URL_${service}`, '');
  vi.stubEnv('AWS_ACCESS_KEY_ID', keys.accessKeyId);
  vi.stubEnv('AWS_SECRET_ACCESS_KEY', keys.secretAccessKey);
  vi.stubEnv('AWS_SESSION_TOKEN', '');
  vi.stubEnv('AWS_REGION', 'eu-west-1');
  vi.stubEnv('AWS_PROFILE', '');
  vi.stubEnv('AWS_CONFIG_FILE', '/nonexistent/infradeck-fake-aws/config');
  vi.stubEnv('AWS_SHARED_CREDENTIALS_FILE', '/nonexistent/infradeck-fake-aws/credentials');
  vi.stubEnv('AWS_EC2_METADATA_DISABLED', 'true');
  const clients = await createAwsClients({ maxAttempts });
  opened.push(clients);
  return new AwsProvider(clients, { dependencyRetry: noRetry, pollMs: 1, ...options });
}

async function sdk(region = 'eu-west-1') {
  const endpoint = await fake.endpoint('sdk');
  const common = { region, endpoint, credentials: keys, maxAttempts: 1 };
  return {
    ec2: new EC2Client(common),
    s3: new S3Client({ ...common, forcePathStyle: true }),
  };
}

/** A VPC with a public subnet, an internet gateway routed from it, and a group for SSH. */
async function network(aws: AwsProvider) {
  const region = 'eu-west-1';
  const vpc = await aws.createVpc(region, { cidr: '10.20.0.0/16', tags });
  const subnet = await aws.createSubnet(region, {
    vpcId: vpc.id,
    cidr: '10.20.1.0/24',
    availabilityZone: 'eu-west-1b',
    tags,
  });
  await aws.converge(subnet, { type: 'subnet', tags, public: true });
  const gateway = await aws.createInternetGateway(region, { tags });
  await aws.converge(gateway, { type: 'internet-gateway', tags, vpcId: vpc.id });
  const table = await aws.createRouteTable(region, { vpcId: vpc.id, tags, clientToken: 'rtb-shop-1' });
  await aws.converge(table, {
    type: 'route-table',
    tags,
    subnetIds: [subnet.id],
    internetGatewayId: gateway.id,
  });
  const group = await aws.createSecurityGroup(region, {
    vpcId: vpc.id,
    name: 'web',
    description: 'web servers',
    tags,
  });
  await aws.converge(group, {
    type: 'security-group',
    tags,
    ingress: [{ protocol: 'tcp', fromPort: 22, toPort: 22, cidr: '10.0.0.0/8', description: 'ssh' }],
  });
  return { region, vpc, subnet, gateway, table, group };
}

describe('fake AWS through the project provider', () => {
  it('says who we are and which regions are enabled', async () => {
    const aws = await provider();
    expect(await aws.identity()).toMatchObject({
      kind: 'aws',
      account,
      arn: `arn:aws:iam::${account}:user/fake`,
      region: 'eu-west-1',
    });
    expect(await aws.listRegions()).toEqual(['eu-west-1', 'us-east-1']);
  });

  it('resolves the Amazon Linux alias through SSM, per region and architecture, and refuses unknown images', async () => {
    const aws = await provider();
    const alias = 'ssm:/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64';
    expect(await aws.resolveImage('eu-west-1', alias)).toBe(al2023ImageId('eu-west-1', 'arm64'));
    expect(await aws.resolveImage('us-east-1', alias)).toBe(al2023ImageId('us-east-1', 'arm64'));
    expect(al2023ImageId('eu-west-1', 'arm64')).not.toBe(al2023ImageId('eu-west-1', 'x86_64'));
    await expect(aws.resolveImage('eu-west-1', 'ssm:/aws/service/nothing-here')).rejects.toMatchObject({
      code: 'ParameterNotFound',
    });
    await expect(aws.resolveImage('eu-west-1', 'ami-0123456789abcdef0')).rejects.toMatchObject({
      code: 'InvalidAMIID.NotFound',
    });
  });

  it('builds a network, instances and a bucket that a scan then finds with their tags', async () => {
    const aws = await provider();
    const { region, vpc, subnet, gateway, table, group } = await network(aws);
    const imageId = al2023ImageId(region, 'x86_64');
    const launched = await aws.runInstances(region, {
      imageId,
      instanceType: 't3.micro',
      count: 2,
      subnetId: subnet.id,
      securityGroupIds: [group.id],
      rootVolumeGiB: 16,
      tags,
      clientToken: 'web-1',
    });
    expect(launched.map((i) => i.state)).toEqual(['pending', 'pending']);
    const bucket = await aws.createBucket({ name: 'shop-assets-4711', region });
    await aws.converge(bucket, {
      type: 'bucket',
      tags,
      versioning: true,
      encryption: true,
      blockPublicAccess: true,
    });

    const scanned = await aws.scanRegion(region);
    const byId = (id: string) => scanned.find((r) => r.id === id);
    for (const made of [vpc, subnet, gateway, table, group, ...launched]) {
      expect(byId(made.id), `${made.type} ${made.id}`).toMatchObject({ type: made.type, tags });
    }
    expect(byId(launched[0].id)).toMatchObject({
      state: 'running',
      refs: { vpc: vpc.id, subnet: subnet.id, securityGroups: [group.id] },
    });
    expect(byId(launched[0].id)?.detail).toMatch(/^t3\.micro 10\.20\.1\.\d+$/);
    expect(byId(subnet.id)?.detail).toBe('10.20.1.0/24 eu-west-1b public');
    expect(byId(gateway.id)).toMatchObject({ state: 'attached', refs: { vpc: vpc.id } });
    expect(byId(table.id)).toMatchObject({
      refs: { vpc: vpc.id, subnets: [subnet.id], internetGateways: [gateway.id] },
    });
    expect(byId(group.id)?.detail).toBe('web 1 inbound rule');
    const volumes = scanned.filter((r) => r.type === 'volume');
    expect(volumes).toHaveLength(2);
    expect(volumes[0]).toMatchObject({ tags, detail: '16 GiB gp3' });
    // AWS made these with the VPC.
    expect(
      scanned
        .filter((r) => r.implicit && r.refs.vpc === vpc.id)
        .map((r) => r.type)
        .sort(),
    ).toEqual(['route-table', 'security-group']);

    expect(await aws.scanBuckets()).toEqual([
      expect.objectContaining({ type: 'bucket', id: 'shop-assets-4711', region, tags }),
    ]);
    expect(fake.bucket('shop-assets-4711')).toMatchObject({
      region,
      versioning: 'Enabled',
      encryption: true,
      publicAccessBlock: {
        BlockPublicAcls: true,
        IgnorePublicAcls: true,
        BlockPublicPolicy: true,
        RestrictPublicBuckets: true,
      },
      tags,
    });
    expect((await aws.findBucket('shop-assets-4711'))?.raw).toMatchObject({
      versioning: true,
      encryption: true,
      blockPublicAccess: true,
    });

    const found = await aws.findByTags(region, 'instance', tags);
    expect(found.map((r) => r.id).sort()).toEqual(launched.map((r) => r.id).sort());
    expect((await aws.findByTags(region, 'vpc', { [projectTag]: 'other' })).length).toBe(0);
    expect(fake.resources().filter((r) => r.type === 'instance')).toEqual([
      expect.objectContaining({ region, state: 'running', tags }),
      expect.objectContaining({ region, state: 'running', tags }),
    ]);
  });

  it('converging twice changes nothing the second time', async () => {
    const aws = await provider();
    const { subnet, table, group, gateway, vpc } = await network(aws);
    const mutations = () => fake.calls.filter((c) => c.mutating).length;
    const before = mutations();
    const again = [
      await aws.converge(subnet, { type: 'subnet', tags, public: true }),
      await aws.converge(gateway, { type: 'internet-gateway', tags, vpcId: vpc.id }),
      await aws.converge(table, {
        type: 'route-table',
        tags,
        subnetIds: [subnet.id],
        internetGatewayId: gateway.id,
      }),
      await aws.converge(group, {
        type: 'security-group',
        tags,
        ingress: [{ protocol: 'tcp', fromPort: 22, toPort: 22, cidr: '10.0.0.0/8' }],
      }),
    ];
    expect(again.flatMap((r) => r.changes)).toEqual([]);
    expect(mutations()).toBe(before);
  });

  it('gives the first RunInstances and CreateRouteTable answer again for the same ClientToken', async () => {
    const aws = await provider();
    const { region, vpc, subnet, group } = await network(aws);
    const spec = {
      imageId: al2023ImageId(region, 'arm64'),
      instanceType: 't4g.small',
      count: 2,
      subnetId: subnet.id,
      securityGroupIds: [group.id],
      tags,
      clientToken: 'deploy-7/web',
    };
    const first = await aws.runInstances(region, spec);
    const second = await aws.runInstances(region, spec);
    expect(second.map((r) => r.id)).toEqual(first.map((r) => r.id));
    await expect(aws.runInstances(region, { ...spec, count: 3 })).rejects.toMatchObject({
      name: 'IdempotentParameterMismatch',
    });
    expect(fake.resources().filter((r) => r.type === 'instance')).toHaveLength(2);

    const table = await aws.createRouteTable(region, { vpcId: vpc.id, tags, clientToken: 'rtb-shop-1' });
    expect(fake.resources().filter((r) => r.type === 'route-table' && !r.implicit)).toEqual([
      expect.objectContaining({ id: table.id }),
    ]);
    await expect(
      aws.runInstances(region, { ...spec, instanceType: 't3.micro', clientToken: 'deploy-7/x86' }),
    ).rejects.toMatchObject({ name: 'InvalidParameterValue' });
  });

  it('refuses to delete what something still depends on, as AWS does', async () => {
    const aws = await provider('test', { dependencyRetry: { attempts: 2, baseMs: 1, maxMs: 1 } });
    const { region, vpc, subnet, table, gateway, group } = await network(aws);
    const { ec2 } = await sdk();
    await expect(ec2.send(new DeleteRouteTableCommand({ RouteTableId: table.id }))).rejects.toMatchObject({
      name: 'DependencyViolation',
      message: `The routeTable '${table.id}' has dependencies and cannot be deleted.`,
      $metadata: { httpStatusCode: 400 },
    });
    const logged: string[] = [];
    await expect(
      aws.deleteResource(vpc, { emptyBucket: false, log: (l) => logged.push(l) }),
    ).rejects.toMatchObject({ name: 'DependencyViolation' });
    expect(logged).toEqual([expect.stringMatching(/DependencyViolation.*retry 1/)]);

    // The provider disassociates the subnet first; the subnet and gateway then go, and with them the VPC.
    expect(await aws.deleteResource(table, { emptyBucket: false })).toMatchObject({ status: 'deleted' });
    const actions = fake.calls.map((c) => c.action);
    expect(actions.slice(actions.lastIndexOf('DisassociateRouteTable'))).toEqual([
      'DisassociateRouteTable',
      'DeleteRouteTable',
    ]);
    // As a destroy has them: from a scan, the gateway knowing its VPC.
    const scanned = await aws.scanRegion(region);
    for (const id of [subnet.id, gateway.id, group.id]) {
      const r = scanned.find((x) => x.id === id)!;
      expect(await aws.deleteResource(r, { emptyBucket: false })).toMatchObject({ status: 'deleted' });
    }
    expect(await aws.deleteResource(vpc, { emptyBucket: false })).toMatchObject({ status: 'deleted' });
    expect(fake.resources()).toEqual([]);
    expect(await aws.deleteResource(vpc, { emptyBucket: false })).toMatchObject({ status: 'gone' });
  });

  it('terminates instances: shutting-down, then terminated with the root volume gone', async () => {
    const aws = await provider();
    const { region, subnet, group } = await network(aws);
    const [instance] = await aws.runInstances(region, {
      imageId: al2023ImageId(region, 'x86_64'),
      instanceType: 't3.micro',
      count: 1,
      subnetId: subnet.id,
      securityGroupIds: [group.id],
      tags,
      clientToken: 'one',
    });
    await expect(aws.deleteResource(group, { emptyBucket: false })).rejects.toMatchObject({
      name: 'DependencyViolation',
    });
    expect(await aws.deleteResource(instance, { emptyBucket: false })).toMatchObject({
      status: 'terminating',
      message: 'shutting-down',
    });
    expect(fake.resources().find((r) => r.id === instance.id)?.state).toBe('shutting-down');
    await aws.waitInstanceState(region, instance.id, 'terminated', { pollMs: 1 });
    expect(fake.resources().filter((r) => r.type === 'instance' || r.type === 'volume')).toEqual([
      expect.objectContaining({ id: instance.id, state: 'terminated' }),
    ]);
    expect(await aws.deleteResource(instance, { emptyBucket: false })).toMatchObject({ status: 'gone' });
    expect(await aws.deleteResource(group, { emptyBucket: false })).toMatchObject({ status: 'deleted' });
    expect(await aws.instancesOfProject('shop', { regions: [region] })).toEqual([]);
  });

  it('stops and starts instances through their states', async () => {
    const aws = await provider();
    const { region, subnet, group } = await network(aws);
    const [instance] = await aws.runInstances(region, {
      imageId: al2023ImageId(region, 'x86_64'),
      instanceType: 't3.micro',
      count: 1,
      subnetId: subnet.id,
      securityGroupIds: [group.id],
      tags,
      clientToken: 'one',
    });
    expect(await aws.stopInstances(region, [instance.id])).toEqual([
      { id: instance.id, previous: 'pending', current: 'stopping' },
    ]);
    await aws.waitInstanceState(region, instance.id, 'stopped', { pollMs: 1 });
    expect(await aws.startInstances(region, [instance.id, 'i-0123456789abcdef0'])).toEqual([
      { id: instance.id, previous: 'stopped', current: 'pending' },
    ]);
    await aws.waitInstanceState(region, instance.id, 'running', { pollMs: 1 });
    await aws.rebootInstances(region, [instance.id]);
  });

  it('tells afterMutation about each change, with the caller of the port it came in on', async () => {
    const seen: string[] = [];
    fake.setAfterMutation((call) => {
      seen.push(`${call.caller} ${call.service} ${call.action} ${call.target}`);
      return 'answer';
    });
    const a = await provider('worker-a');
    const vpcA = await a.createVpc('eu-west-1', { cidr: '10.1.0.0/16', tags });
    const b = await provider('worker-b');
    const vpcB = await b.createVpc('eu-west-1', { cidr: '10.2.0.0/16', tags });
    await b.createBucket({ name: 'shop-logs-4711', region: 'us-east-1' });
    await b.scanRegion('eu-west-1');
    expect(seen).toEqual([
      `worker-a ec2 CreateVpc ${vpcA.id}`,
      `worker-b ec2 CreateVpc ${vpcB.id}`,
      'worker-b s3 CreateBucket shop-logs-4711',
    ]);
    expect(fake.calls.filter((c) => c.action === 'DescribeVpcs')).toEqual([
      { service: 'ec2', action: 'DescribeVpcs', caller: 'worker-b', region: 'eu-west-1', mutating: false },
    ]);
    expect(await fake.endpoint('worker-a')).not.toBe(await fake.endpoint('worker-b'));
  });

  it("'drop' makes the change but leaves the caller without an answer", async () => {
    fake.setAfterMutation((call) => (call.action === 'CreateVpc' ? 'drop' : 'answer'));
    const aws = await provider('worker-a', { maxAttempts: 1 });
    await expect(aws.createVpc('eu-west-1', { cidr: '10.9.0.0/16', tags })).rejects.toThrow();
    const vpcs = fake.resources().filter((r) => r.type === 'vpc');
    expect(vpcs).toEqual([expect.objectContaining({ region: 'eu-west-1', tags })]);
    expect(fake.calls.at(-1)).toMatchObject({ action: 'CreateVpc', target: vpcs[0].id, dropped: true });
    // A resumed deploy finds it by its tags instead of making a second one.
    expect((await aws.findByTags('eu-west-1', 'vpc', tags)).map((r) => r.id)).toEqual([vpcs[0].id]);
  });
});

describe('fake AWS answers the SDK like AWS', () => {
  it('keeps S3 bucket settings and answers "none" with the errors S3 uses', async () => {
    const { s3 } = await sdk();
    const Bucket = 'shop-settings-4711';
    await s3.send(
      new CreateBucketCommand({ Bucket, CreateBucketConfiguration: { LocationConstraint: 'eu-west-1' } }),
    );
    await expect(
      s3.send(
        new CreateBucketCommand({ Bucket, CreateBucketConfiguration: { LocationConstraint: 'eu-west-1' } }),
      ),
    ).rejects.toMatchObject({ name: 'BucketAlreadyOwnedByYou', $metadata: { httpStatusCode: 409 } });
    expect((await s3.send(new GetBucketLocationCommand({ Bucket }))).LocationConstraint).toBe('eu-west-1');

    await expect(s3.send(new GetBucketTaggingCommand({ Bucket }))).rejects.toMatchObject({
      name: 'NoSuchTagSet',
    });
    await expect(s3.send(new GetBucketEncryptionCommand({ Bucket }))).rejects.toMatchObject({
      name: 'ServerSideEncryptionConfigurationNotFoundError',
      $metadata: { httpStatusCode: 404 },
    });
    await expect(s3.send(new GetPublicAccessBlockCommand({ Bucket }))).rejects.toMatchObject({
      name: 'NoSuchPublicAccessBlockConfiguration',
    });
    expect((await s3.send(new GetBucketVersioningCommand({ Bucket }))).Status).toBeUndefined();

    await s3.send(
      new PutBucketTaggingCommand({ Bucket, Tagging: { TagSet: [{ Key: 'team', Value: 'web & ops' }] } }),
    );
    await s3.send(new PutBucketVersioningCommand({ Bucket, VersioningConfiguration: { Status: 'Enabled' } }));
    await s3.send(
      new PutBucketEncryptionCommand({
        Bucket,
        ServerSideEncryptionConfiguration: {
          Rules: [
            { ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms' }, BucketKeyEnabled: true },
          ],
        },
      }),
    );
    await s3.send(
      new PutPublicAccessBlockCommand({
        Bucket,
        PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true },
      }),
    );
    expect((await s3.send(new GetBucketTaggingCommand({ Bucket }))).TagSet).toEqual([
      { Key: 'team', Value: 'web & ops' },
    ]);
    expect((await s3.send(new GetBucketVersioningCommand({ Bucket }))).Status).toBe('Enabled');
    expect(
      (await s3.send(new GetBucketEncryptionCommand({ Bucket }))).ServerSideEncryptionConfiguration,
    ).toEqual({
      Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms' }, BucketKeyEnabled: true }],
    });
    expect(
      (await s3.send(new GetPublicAccessBlockCommand({ Bucket }))).PublicAccessBlockConfiguration,
    ).toEqual({
      BlockPublicAcls: true,
      IgnorePublicAcls: false,
      BlockPublicPolicy: true,
      RestrictPublicBuckets: false,
    });
    expect(fake.bucket(Bucket)).toMatchObject({
      versioning: 'Enabled',
      encryption: true,
      tags: { team: 'web & ops' },
    });

    await s3.send(new DeleteBucketTaggingCommand({ Bucket }));
    await s3.send(new DeleteBucketEncryptionCommand({ Bucket }));
    await s3.send(new DeletePublicAccessBlockCommand({ Bucket }));
    expect(fake.bucket(Bucket)).toMatchObject({ encryption: false, publicAccessBlock: undefined, tags: {} });
    const listed = await s3.send(new ListBucketsCommand({}));
    expect(listed.Buckets).toEqual([expect.objectContaining({ Name: Bucket, BucketRegion: 'eu-west-1' })]);
  });

  it('checks ExpectedBucketOwner: 403 for another account, 404 for no bucket', async () => {
    const { s3 } = await sdk();
    const Bucket = 'shop-owned-4711';
    await s3.send(
      new CreateBucketCommand({ Bucket, CreateBucketConfiguration: { LocationConstraint: 'eu-west-1' } }),
    );
    const head = await s3.send(new HeadBucketCommand({ Bucket, ExpectedBucketOwner: account }));
    expect(head.BucketRegion).toBe('eu-west-1');
    await expect(
      s3.send(new HeadBucketCommand({ Bucket, ExpectedBucketOwner: '999999999999' })),
    ).rejects.toMatchObject({
      $metadata: { httpStatusCode: 403 },
    });
    await expect(
      s3.send(new GetBucketVersioningCommand({ Bucket, ExpectedBucketOwner: '999999999999' })),
    ).rejects.toMatchObject({ name: 'AccessDenied', $metadata: { httpStatusCode: 403 } });
    await expect(s3.send(new HeadBucketCommand({ Bucket: 'shop-nobody-4711' }))).rejects.toMatchObject({
      name: 'NotFound',
      $metadata: { httpStatusCode: 404 },
    });
  });

  it('redirects a call to the region the bucket is in, which the SDK follows when told to', async () => {
    const { s3 } = await sdk('us-east-1');
    const Bucket = 'shop-ireland-4711';
    await s3.send(
      new CreateBucketCommand({ Bucket, CreateBucketConfiguration: { LocationConstraint: 'eu-west-1' } }),
    );
    await expect(s3.send(new GetBucketVersioningCommand({ Bucket }))).rejects.toMatchObject({
      name: 'PermanentRedirect',
      $metadata: { httpStatusCode: 301 },
    });
    const following = new S3Client({
      region: 'us-east-1',
      endpoint: await fake.endpoint('sdk'),
      credentials: keys,
      forcePathStyle: true,
      followRegionRedirects: true,
    });
    expect((await following.send(new GetBucketVersioningCommand({ Bucket }))).Status).toBeUndefined();
  });

  it('takes streamed, checksummed uploads and empties a versioned bucket before deleting it', async () => {
    const { s3 } = await sdk();
    const Bucket = 'shop-objects-4711';
    await s3.send(
      new CreateBucketCommand({ Bucket, CreateBucketConfiguration: { LocationConstraint: 'eu-west-1' } }),
    );
    await s3.send(new PutBucketVersioningCommand({ Bucket, VersioningConfiguration: { Status: 'Enabled' } }));
    // A stream of unknown length goes out aws-chunked, its CRC32 in a trailer.
    await s3.send(
      new PutObjectCommand({
        Bucket,
        Key: 'a b/c.txt',
        Body: Readable.from([Buffer.from('hello '), Buffer.from('world')]),
        ContentLength: 11,
      }),
    );
    await s3.send(new PutObjectCommand({ Bucket, Key: 'a b/c.txt', Body: 'second' }));
    const versions = await s3.send(new ListObjectVersionsCommand({ Bucket }));
    expect(versions.Versions?.map((v) => [v.Key, v.Size, v.IsLatest])).toEqual([
      ['a b/c.txt', 6, true],
      ['a b/c.txt', 11, false],
    ]);
    await expect(s3.send(new DeleteBucketCommand({ Bucket }))).rejects.toMatchObject({
      name: 'BucketNotEmpty',
      $metadata: { httpStatusCode: 409 },
    });

    const aws = await provider();
    const [bucket] = await aws.scanBuckets();
    await expect(aws.deleteResource(bucket, { emptyBucket: false })).rejects.toMatchObject({
      code: 'BucketNotEmpty',
    });
    expect(await aws.deleteResource(bucket, { emptyBucket: true })).toMatchObject({ status: 'deleted' });
    expect(fake.bucket(Bucket)).toBeUndefined();
  });

  it('is strict where EC2 is strict', async () => {
    const { ec2 } = await sdk();
    await expect(
      ec2.send(new DescribeVpcsCommand({ VpcIds: ['vpc-0123456789abcdef0'] })),
    ).rejects.toMatchObject({
      name: 'InvalidVpcID.NotFound',
      message: "The vpc ID 'vpc-0123456789abcdef0' does not exist",
    });
    await expect(ec2.send(new DescribeVpcsCommand({ VpcIds: ['vpc-nope'] }))).rejects.toMatchObject({
      name: 'InvalidVpcID.Malformed',
    });
    await expect(
      ec2.send(new DescribeInstancesCommand({ Filters: [{ Name: 'colour', Values: ['blue'] }] })),
    ).rejects.toMatchObject({ name: 'InvalidParameterValue' });
    await expect(
      ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: ['sg-0123456789abcdef0'] })),
    ).rejects.toMatchObject({
      name: 'InvalidGroup.NotFound',
    });
    await expect(
      ec2.send(
        new DescribeRouteTablesCommand({
          Filters: [{ Name: 'association.subnet-id', Values: ['subnet-1'] }],
        }),
      ),
    ).resolves.toMatchObject({ RouteTables: [] });

    const signed = {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: 'AWS4-HMAC-SHA256 Credential=AKIDFAKE/20250101/eu-west-1/ec2/aws4_request, Signature=0',
    };
    const res = await fetch(await fake.endpoint('sdk'), {
      method: 'POST',
      headers: signed,
      body: 'Action=LaunchRockets&Version=2016-11-15',
    });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('<Code>InvalidAction</Code>');
    const unsigned = await fetch(await fake.endpoint('sdk'), {
      method: 'POST',
      headers: { 'content-type': signed['content-type'] },
      body: 'Action=DescribeVpcs&Version=2016-11-15',
    });
    expect(unsigned.status).toBe(401);
    expect(await unsigned.text()).toContain('<Code>AuthFailure</Code>');
  });
});
