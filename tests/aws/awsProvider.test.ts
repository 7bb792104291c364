import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DeleteInternetGatewayCommand,
  DeleteKeyPairCommand,
  DeleteRouteTableCommand,
  DeleteSecurityGroupCommand,
  DeleteSubnetCommand,
  DeleteVpcCommand,
  DescribeImagesCommand,
  DescribeInstancesCommand,
  DescribeInternetGatewaysCommand,
  DescribeKeyPairsCommand,
  DescribeRouteTablesCommand,
  DescribeSecurityGroupsCommand,
  DescribeSubnetsCommand,
  DescribeVolumesCommand,
  DescribeVpcsCommand,
  DetachInternetGatewayCommand,
  DisassociateRouteTableCommand,
  EC2Client,
  type Instance,
  RevokeSecurityGroupIngressCommand,
  RunInstancesCommand,
  StartInstancesCommand,
  TerminateInstancesCommand,
} from '@aws-sdk/client-ec2';
import {
  DeleteBucketCommand,
  DeleteObjectsCommand,
  GetBucketLocationCommand,
  GetBucketTaggingCommand,
  GetBucketVersioningCommand,
  GetPublicAccessBlockCommand,
  ListBucketsCommand,
  ListObjectVersionsCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { bucketFindings } from '../../src/domain/adviceResourceRules';
import { planDeletion } from '../../src/domain/dependencyGraph';
import type { Resource } from '../../src/domain/resource';
import { type AwsClients, createAwsClients } from '../../src/services/aws/awsClients';
import { AwsProvider } from '../../src/services/aws/awsProvider';
import { deleteInOrder } from '../../src/services/cloud/deleteInOrder';
import { scanAccount } from '../../src/services/cloud/scanAccount';

const ec2 = mockClient(EC2Client);
const s3 = mockClient(S3Client);
const sts = mockClient(STSClient);

function awsError(name: string, message = name): Error {
  return Object.assign(new Error(message), { name, $metadata: { httpStatusCode: 400 } });
}

let home: string;
let clients: AwsClients;
let aws: AwsProvider;

beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), 'infradeck-aws-'));
});
afterAll(async () => {
  await rm(home, { recursive: true, force: true });
});

beforeEach(async () => {
  ec2.reset();
  s3.reset();
  sts.reset();
  clients = await createAwsClients({
    env: { HOME: home, AWS_REGION: 'eu-west-1' },
    credentials: async () => ({ accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' }),
  });
  aws = new AwsProvider(clients, { dependencyRetry: { attempts: 4, baseMs: 1, maxMs: 2 }, pollMs: 1 });
});
afterEach(() => clients.destroy());

function emptyRegion() {
  ec2.on(DescribeInstancesCommand).resolves({ Reservations: [] });
  ec2.on(DescribeVpcsCommand).resolves({ Vpcs: [] });
  ec2.on(DescribeSubnetsCommand).resolves({ Subnets: [] });
  ec2.on(DescribeSecurityGroupsCommand).resolves({ SecurityGroups: [] });
  ec2.on(DescribeInternetGatewaysCommand).resolves({ InternetGateways: [] });
  ec2.on(DescribeRouteTablesCommand).resolves({ RouteTables: [] });
  ec2.on(DescribeVolumesCommand).resolves({ Volumes: [] });
  ec2.on(DescribeKeyPairsCommand).resolves({ KeyPairs: [] });
}

function instance(n: number): Instance {
  return {
    InstanceId: `i-${String(n).padStart(17, '0')}`,
    InstanceType: 't3.small',
    PrivateIpAddress: `10.1.0.${n}`,
    State: { Name: 'running', Code: 16 },
    VpcId: 'vpc-1',
    SubnetId: 'subnet-1',
    KeyName: 'web-deploy',
    SecurityGroups: [{ GroupId: 'sg-web', GroupName: 'web' }],
    BlockDeviceMappings: [{ DeviceName: '/dev/xvda', Ebs: { VolumeId: `vol-${n}` } }],
    Tags: [
      { Key: 'Name', Value: `web-${n}` },
      { Key: 'infradeck:project', Value: 'web' },
    ],
  };
}

describe('scan at the SDK boundary', () => {
  it('follows NextToken through every page of every list call', async () => {
    emptyRegion();
    const tokens: (string | undefined)[] = [];
    ec2.on(DescribeInstancesCommand).callsFake((input) => {
      // The paginator reuses one input object, so the token is read at call time.
      tokens.push(input.NextToken);
      if (!input.NextToken)
        return { Reservations: [{ Instances: [instance(1), instance(2)] }], NextToken: 'p2' };
      if (input.NextToken === 'p2') return { Reservations: [{ Instances: [instance(3)] }], NextToken: 'p3' };
      return { Reservations: [{ Instances: [instance(4)] }] };
    });
    ec2.on(DescribeSubnetsCommand).callsFake((input) =>
      input.NextToken
        ? {
            Subnets: [
              {
                SubnetId: 'subnet-2',
                VpcId: 'vpc-1',
                CidrBlock: '10.1.16.0/20',
                AvailabilityZone: 'eu-west-1b',
              },
            ],
          }
        : {
            Subnets: [
              {
                SubnetId: 'subnet-1',
                VpcId: 'vpc-1',
                CidrBlock: '10.1.0.0/20',
                AvailabilityZone: 'eu-west-1a',
              },
            ],
            NextToken: 'more',
          },
    );

    const found = await aws.scanRegion('eu-west-1');

    const instances = found.filter((r) => r.type === 'instance');
    expect(instances.map((r) => r.name)).toEqual(['web-1', 'web-2', 'web-3', 'web-4']);
    expect(found.filter((r) => r.type === 'subnet').map((r) => r.id)).toEqual(['subnet-1', 'subnet-2']);
    expect(tokens).toEqual([undefined, 'p2', 'p3']);
    expect(ec2.commandCalls(DescribeInstancesCommand)[0].args[0].input.MaxResults).toBe(1000);
    expect(instances[0]).toMatchObject({
      region: 'eu-west-1',
      state: 'running',
      project: 'web',
      detail: 't3.small 10.1.0.1',
      refs: {
        vpc: 'vpc-1',
        subnet: 'subnet-1',
        securityGroups: ['sg-web'],
        volumes: ['vol-1'],
        keyPair: 'web-deploy',
      },
    });
  });

  it('reports a region that is not opted in and scans the others', async () => {
    emptyRegion();
    ec2.on(DescribeVpcsCommand).callsFake(async (_input, getClient) => {
      const region = await getClient().config.region();
      if (region === 'ap-east-1') throw awsError('OptInRequired', 'You are not subscribed to this service.');
      if (region === 'me-south-1') throw awsError('UnauthorizedOperation', 'You are not authorized.');
      return {
        Vpcs: [{ VpcId: `vpc-${region}`, CidrBlock: '10.0.0.0/16', IsDefault: true, State: 'available' }],
      };
    });
    const reported: string[] = [];

    const result = await scanAccount(aws, {
      account: '123456789012',
      regions: ['eu-west-1', 'ap-east-1', 'me-south-1', 'us-east-1'],
      buckets: false,
      onRegion: (scan, p) =>
        reported.push(`${p.done}/${p.total} ${scan.region}${scan.error ? ' failed' : ''}`),
    });

    expect(reported).toHaveLength(4);
    expect(reported.map((r) => r.split(' ')[0])).toEqual(['1/4', '2/4', '3/4', '4/4']);
    const byRegion = new Map(result.scans.map((s) => [s.region, s]));
    expect(byRegion.get('ap-east-1')?.error).toMatch(/ap-east-1: not opted in \(OptInRequired\)/);
    expect(byRegion.get('me-south-1')?.error).toMatch(/access denied \(UnauthorizedOperation\)/);
    expect(byRegion.get('eu-west-1')?.resources.map((r) => r.id)).toEqual(['vpc-eu-west-1']);
    expect(byRegion.get('us-east-1')?.resources.map((r) => r.id)).toEqual(['vpc-us-east-1']);
    expect(result.failed.map((s) => s.region).sort()).toEqual(['ap-east-1', 'me-south-1']);
  });

  it('reports a region still throttled after the SDK retries as throttled, not as a crash', async () => {
    // aws-sdk-client-mock replaces `send`, so the SDK's own retry does not run here: this is the error that
    // comes out once it has given up. The retry itself is proved over HTTP in ec2Endpoint.test.ts.
    emptyRegion();
    ec2.on(DescribeVolumesCommand).rejects(awsError('RequestLimitExceeded', 'Request limit exceeded.'));
    const result = await scanAccount(aws, { account: '1', regions: ['eu-west-1'], buckets: false });
    expect(result.failed[0].error).toMatch(/throttled by AWS even after retries \(RequestLimitExceeded\)/);
  });

  it("records each bucket's versioning and public access block, so the advisor checks them on AWS", async () => {
    s3.on(ListBucketsCommand).resolves({
      Buckets: [
        { Name: 'open-logs', BucketRegion: 'eu-west-1' },
        { Name: 'safe-data', BucketRegion: 'eu-west-1' },
      ],
    });
    s3.on(GetBucketTaggingCommand).rejects(awsError('NoSuchTagSet'));
    s3.on(GetBucketVersioningCommand).resolves({});
    s3.on(GetBucketVersioningCommand, { Bucket: 'safe-data' }).resolves({ Status: 'Enabled' });
    s3.on(GetPublicAccessBlockCommand).rejects(awsError('NoSuchPublicAccessBlockConfiguration'));
    const allBlocked = {
      BlockPublicAcls: true,
      IgnorePublicAcls: true,
      BlockPublicPolicy: true,
      RestrictPublicBuckets: true,
    };
    s3.on(GetPublicAccessBlockCommand, { Bucket: 'safe-data' }).resolves({
      PublicAccessBlockConfiguration: allBlocked,
    });

    const buckets = await aws.scanBuckets();

    expect(buckets.map((b) => [b.id, b.raw?.versioning, b.raw?.blockPublicAccess])).toEqual([
      ['open-logs', false, false],
      ['safe-data', true, true],
    ]);
    const advice = bucketFindings(buckets);
    expect(advice.findings.map((f) => f.rule).sort()).toEqual(['bucket-without-versioning', 'public-bucket']);
    expect(advice.notes).toEqual([]);
  });

  it('lists buckets through every page with each bucket region and project tag', async () => {
    s3.on(ListBucketsCommand).callsFake((input) =>
      input.ContinuationToken
        ? { Buckets: [{ Name: 'old-irish', CreationDate: new Date('2015-01-01') }] }
        : {
            Buckets: [
              { Name: 'web-assets', CreationDate: new Date('2024-02-03'), BucketRegion: 'eu-central-1' },
              { Name: 'legacy' },
            ],
            ContinuationToken: 'next',
          },
    );
    s3.on(GetBucketLocationCommand, { Bucket: 'legacy' }).resolves({});
    s3.on(GetBucketLocationCommand, { Bucket: 'old-irish' }).resolves({ LocationConstraint: 'EU' });
    s3.on(GetBucketTaggingCommand).rejects(awsError('NoSuchTagSet'));
    s3.on(GetBucketTaggingCommand, { Bucket: 'web-assets' }).resolves({
      TagSet: [{ Key: 'infradeck:project', Value: 'web' }],
    });

    const buckets = await aws.scanBuckets();

    expect(buckets.map((b) => [b.id, b.region, b.project])).toEqual([
      ['web-assets', 'eu-central-1', 'web'],
      ['legacy', 'us-east-1', undefined],
      ['old-irish', 'eu-west-1', undefined],
    ]);
    expect(
      s3
        .commandCalls(GetBucketLocationCommand)
        .map((c) => c.args[0].input.Bucket)
        .sort(),
    ).toEqual(['legacy', 'old-irish']);
  });
});

const r = (
  type: Resource['type'],
  id: string,
  refs: Resource['refs'] = {},
  extra: Partial<Resource> = {},
): Resource => ({
  type,
  id,
  region: 'eu-west-1',
  detail: '',
  tags: {},
  refs,
  ...extra,
});

describe('delete at the SDK boundary', () => {
  const vpc = r('vpc', 'vpc-1');
  const subnet = r('subnet', 'subnet-1', { vpc: 'vpc-1' });
  const group = r('security-group', 'sg-web', { vpc: 'vpc-1' });
  const defaultGroup = r('security-group', 'sg-default', { vpc: 'vpc-1' }, { implicit: true });
  const table = r('route-table', 'rtb-1', {
    vpc: 'vpc-1',
    subnets: ['subnet-1'],
    internetGateways: ['igw-1'],
  });
  const gateway = r('internet-gateway', 'igw-1', { vpc: 'vpc-1' });
  const server = r('instance', 'i-1', {
    vpc: 'vpc-1',
    subnet: 'subnet-1',
    securityGroups: ['sg-web'],
    keyPair: 'k',
  });
  const key = r('key-pair', 'key-1', {}, { name: 'k' });
  const all = [vpc, subnet, group, defaultGroup, table, gateway, server, key];

  function okEverywhere() {
    ec2.on(TerminateInstancesCommand).resolves({
      TerminatingInstances: [
        { InstanceId: 'i-1', PreviousState: { Name: 'running' }, CurrentState: { Name: 'shutting-down' } },
      ],
    });
    ec2
      .on(DescribeInstancesCommand)
      .resolvesOnce({
        Reservations: [{ Instances: [{ InstanceId: 'i-1', State: { Name: 'shutting-down' } }] }],
      })
      .resolves({ Reservations: [{ Instances: [{ InstanceId: 'i-1', State: { Name: 'terminated' } }] }] });
    // Subnet associations are read fresh and undone before the table can go.
    ec2.on(DescribeRouteTablesCommand, { RouteTableIds: ['rtb-1'] }).resolves({
      RouteTables: [
        {
          RouteTableId: 'rtb-1',
          VpcId: 'vpc-1',
          Associations: [{ RouteTableAssociationId: 'rtbassoc-1', SubnetId: 'subnet-1', Main: false }],
        },
      ],
    });
    for (const cmd of [
      DeleteSecurityGroupCommand,
      DeleteSubnetCommand,
      DisassociateRouteTableCommand,
      DeleteRouteTableCommand,
      DetachInternetGatewayCommand,
      DeleteInternetGatewayCommand,
      DeleteVpcCommand,
      DeleteKeyPairCommand,
    ]) {
      ec2.on(cmd as never).resolves({});
    }
  }

  const callOrder = () =>
    ec2
      .calls()
      .map((c) => (c.args[0] as { constructor: { name: string } }).constructor.name.replace(/Command$/, ''));

  it('deletes in dependency order and retries DependencyViolation until AWS lets go', async () => {
    okEverywhere();
    ec2
      .on(DeleteSecurityGroupCommand)
      .rejectsOnce(awsError('DependencyViolation', 'resource sg-web has a dependent object'))
      .rejectsOnce(awsError('DependencyViolation', 'resource sg-web has a dependent object'))
      .resolves({});
    const log: string[] = [];
    const steps: string[] = [];

    const report = await deleteInOrder(aws, planDeletion(all), {
      emptyBuckets: false,
      pollMs: 1,
      log: (l) => log.push(l),
      onProgress: (p) => steps.push(`${p.step}/${p.total}`),
    });

    const order = callOrder().filter((n) => n !== 'DescribeInstances');
    const at = (name: string) => order.indexOf(name);
    expect(at('TerminateInstances')).toBe(0);
    expect(at('DeleteSecurityGroup')).toBeGreaterThan(at('TerminateInstances'));
    // Terminated for real (waited for) before anything it held is touched.
    const firstDescribeTerminated = callOrder().lastIndexOf('DescribeInstances');
    expect(callOrder().indexOf('DeleteSecurityGroup')).toBeGreaterThan(firstDescribeTerminated);
    expect(at('DeleteSubnet')).toBeGreaterThan(at('TerminateInstances'));
    expect(at('DeleteRouteTable')).toBeGreaterThan(at('DeleteSubnet'));
    expect(at('DisassociateRouteTable')).toBe(at('DeleteRouteTable') - 1);
    expect(ec2.commandCalls(DisassociateRouteTableCommand)[0].args[0].input).toEqual({
      AssociationId: 'rtbassoc-1',
    });
    expect(at('DetachInternetGateway')).toBeGreaterThan(at('DeleteRouteTable'));
    expect(at('DeleteInternetGateway')).toBeGreaterThan(at('DetachInternetGateway'));
    expect(at('DeleteVpc')).toBe(order.length - 1);
    expect(ec2.commandCalls(DeleteSecurityGroupCommand)).toHaveLength(3);
    expect(ec2.commandCalls(DeleteSecurityGroupCommand, { GroupId: 'sg-default' })).toHaveLength(0);
    expect(log.filter((l) => l.includes('DependencyViolation'))).toHaveLength(2);
    expect(report.failed).toEqual([]);
    expect(report.deleted.map((x) => x.id).sort()).toEqual(
      ['i-1', 'igw-1', 'key-1', 'rtb-1', 'sg-web', 'subnet-1', 'vpc-1'].sort(),
    );
    expect(report.skipped.map((s) => s.resource.id)).toEqual(['sg-default']);
    expect(steps.at(-1)).toBe(`${8}/${8}`);
    expect(report.changes).toContainEqual({
      kind: 'state',
      region: 'eu-west-1',
      id: 'i-1',
      state: 'terminated',
    });
    expect(report.changes).toContainEqual({ kind: 'deleted', region: 'eu-west-1', id: 'vpc-1' });
  });

  it('gives up on a DependencyViolation that does not clear, and does not try the VPC after it', async () => {
    okEverywhere();
    ec2
      .on(DeleteSubnetCommand)
      .rejects(awsError('DependencyViolation', "The subnet 'subnet-1' has dependencies"));

    const report = await deleteInOrder(aws, planDeletion(all), { emptyBuckets: false, pollMs: 1 });

    expect(ec2.commandCalls(DeleteSubnetCommand)).toHaveLength(4); // the bounded attempts
    expect(report.failed.map((f) => [f.resource.id, f.error])).toEqual([
      ['subnet-1', expect.stringMatching(/DependencyViolation.*has dependencies/)],
    ]);
    expect(ec2.commandCalls(DeleteVpcCommand)).toHaveLength(0);
    expect(report.notAttempted.map((n) => n.resource.id)).toContain('vpc-1');
  });

  it('reports a resource that vanished since the scan as gone, not failed', async () => {
    ec2
      .on(TerminateInstancesCommand)
      .rejects(awsError('InvalidInstanceID.NotFound', "The instance ID 'i-1' does not exist"));
    expect(await aws.deleteResource(server, { emptyBucket: false })).toMatchObject({ status: 'gone' });
    ec2.on(DeleteVpcCommand).rejects(awsError('InvalidVpcID.NotFound'));
    expect(await aws.deleteResource(vpc, { emptyBucket: false })).toMatchObject({ status: 'gone' });
  });

  it('empties a versioned bucket page by page only when that was confirmed', async () => {
    let versions = Array.from({ length: 1500 }, (_, i) => ({ Key: `k${i % 700}`, VersionId: `v${i}` }));
    let markers = [{ Key: 'k1', VersionId: 'm1' }];
    s3.on(ListObjectVersionsCommand).callsFake((input) => {
      const page = versions.slice(0, input.MaxKeys);
      return {
        Versions: page,
        DeleteMarkers: page.length < (input.MaxKeys ?? 1000) ? markers : [],
        IsTruncated: versions.length + markers.length > (input.MaxKeys ?? 1000),
      };
    });
    s3.on(DeleteObjectsCommand).callsFake((input) => {
      const gone = new Set(input.Delete.Objects.map((o: { VersionId: string }) => o.VersionId));
      versions = versions.filter((v) => !gone.has(v.VersionId));
      markers = markers.filter((m) => !gone.has(m.VersionId));
      return { Deleted: input.Delete.Objects };
    });
    s3.on(DeleteBucketCommand).resolves({});
    const bucket = r('bucket', 'web-logs');

    await expect(aws.deleteResource(bucket, { emptyBucket: false })).rejects.toThrow(
      /bucket web-logs is not empty .*only when emptying it was confirmed/,
    );
    expect(s3.commandCalls(DeleteObjectsCommand)).toHaveLength(0);
    expect(s3.commandCalls(DeleteBucketCommand)).toHaveLength(0);

    const outcome = await aws.deleteResource(bucket, { emptyBucket: true });

    expect(outcome.status).toBe('deleted');
    const pages = s3.commandCalls(DeleteObjectsCommand).map((c) => c.args[0].input.Delete?.Objects?.length);
    expect(pages).toEqual([1000, 501]);
    expect(versions).toEqual([]);
    expect(markers).toEqual([]);
    expect(s3.commandCalls(DeleteBucketCommand)).toHaveLength(1);
  });

  it('breaks a security-group cycle by revoking only the rules that reference the other group', async () => {
    ec2.on(DescribeSecurityGroupsCommand, { GroupIds: ['sg-a'] }).resolves({
      SecurityGroups: [
        {
          GroupId: 'sg-a',
          IpPermissions: [
            { IpProtocol: 'tcp', FromPort: 443, ToPort: 443, IpRanges: [{ CidrIp: '0.0.0.0/0' }] },
            {
              IpProtocol: 'tcp',
              FromPort: 5432,
              ToPort: 5432,
              UserIdGroupPairs: [{ GroupId: 'sg-b' }, { GroupId: 'sg-c' }],
            },
          ],
          IpPermissionsEgress: [],
        },
      ],
    });
    ec2.on(RevokeSecurityGroupIngressCommand).resolves({});
    expect(await aws.revokeGroupReferences('eu-west-1', 'sg-a', ['sg-b'])).toBe(1);
    expect(ec2.commandCalls(RevokeSecurityGroupIngressCommand)[0].args[0].input.IpPermissions).toEqual([
      { IpProtocol: 'tcp', FromPort: 5432, ToPort: 5432, UserIdGroupPairs: [{ GroupId: 'sg-b' }] },
    ]);
  });
});

describe('power and deploy at the SDK boundary', () => {
  it('starts the instances that still exist when one has vanished since the scan', async () => {
    ec2
      .on(StartInstancesCommand)
      .rejectsOnce(awsError('InvalidInstanceID.NotFound', "The instance ID 'i-gone' does not exist"))
      .resolves({
        StartingInstances: [
          { InstanceId: 'i-1', PreviousState: { Name: 'stopped' }, CurrentState: { Name: 'pending' } },
        ],
      });
    ec2.on(DescribeInstancesCommand).resolves({
      Reservations: [{ Instances: [{ InstanceId: 'i-1', State: { Name: 'stopped' } }] }],
    });

    const changes = await aws.startInstances('eu-west-1', ['i-1', 'i-gone']);

    expect(changes).toEqual([{ id: 'i-1', previous: 'stopped', current: 'pending' }]);
    expect(ec2.commandCalls(StartInstancesCommand).map((c) => c.args[0].input.InstanceIds)).toEqual([
      ['i-1', 'i-gone'],
      ['i-1'],
    ]);
  });

  it('finds a project by its tag in every given region, leaving out terminated instances', async () => {
    ec2.on(DescribeInstancesCommand).callsFake(async (_input, getClient) => {
      const region = await getClient().config.region();
      return { Reservations: [{ Instances: [{ ...instance(region === 'eu-west-1' ? 1 : 2) }] }] };
    });
    const found = await aws.instancesOfProject('web', { regions: ['eu-west-1', 'us-east-1'] });
    expect(found.map((i) => [i.region, i.name])).toEqual([
      ['eu-west-1', 'web-1'],
      ['us-east-1', 'web-2'],
    ]);
    const filters = ec2.commandCalls(DescribeInstancesCommand)[0].args[0].input.Filters;
    expect(filters).toEqual([
      { Name: 'tag:infradeck:project', Values: ['web'] },
      { Name: 'instance-state-name', Values: ['pending', 'running', 'stopping', 'stopped'] },
    ]);
  });

  it('launches instances with the ClientToken and the project tags on instances and volumes', async () => {
    ec2.on(RunInstancesCommand).resolves({ Instances: [instance(7)] });
    const made = await aws.runInstances('eu-west-1', {
      imageId: 'ami-0123456789abcdef0',
      instanceType: 't3.small',
      count: 1,
      subnetId: 'subnet-1',
      securityGroupIds: ['sg-web'],
      tags: { 'infradeck:project': 'web', Name: 'web-7' },
      clientToken: 'deploy-42-web-7',
    });
    expect(made.map((i) => i.name)).toEqual(['web-7']);
    const input = ec2.commandCalls(RunInstancesCommand)[0].args[0].input;
    expect(input.ClientToken).toBe('deploy-42-web-7');
    expect(input.TagSpecifications?.map((t) => t.ResourceType)).toEqual(['instance', 'volume']);
  });
});

const ssmInstalled = await import('@aws-sdk/client-ssm' as string).then(
  () => true,
  () => false,
);

describe('images for the deploy', () => {
  it('checks an AMI id exists in the region, and says so clearly when it does not', async () => {
    ec2.on(DescribeImagesCommand, { ImageIds: ['ami-0aaaaaaaaaaaaaaaa'] }).resolves({
      Images: [{ ImageId: 'ami-0aaaaaaaaaaaaaaaa', RootDeviceName: '/dev/xvda' }],
    });
    ec2
      .on(DescribeImagesCommand, { ImageIds: ['ami-0bbbbbbbbbbbbbbbb'] })
      .rejects(awsError('InvalidAMIID.NotFound', "The image id '[ami-0bbbbbbbbbbbbbbbb]' does not exist"));
    expect(await aws.resolveImage('eu-west-1', 'ami-0aaaaaaaaaaaaaaaa')).toBe('ami-0aaaaaaaaaaaaaaaa');
    await expect(aws.resolveImage('eu-west-1', 'ami-0bbbbbbbbbbbbbbbb')).rejects.toMatchObject({
      code: 'InvalidAMIID.NotFound',
      message: 'image ami-0bbbbbbbbbbbbbbbb does not exist in eu-west-1: images are per region',
    });
  });

  it.skipIf(ssmInstalled)('says which package an ssm: alias needs when it is not installed', async () => {
    await expect(
      aws.resolveImage('eu-west-1', 'ssm:/aws/service/ami-amazon-linux-latest/x'),
    ).rejects.toMatchObject({
      code: 'SsmUnavailable',
      message: expect.stringContaining('needs the @aws-sdk/client-ssm package'),
    });
  });
});

describe('identity through STS', () => {
  it('tells account and ARN', async () => {
    sts.on(GetCallerIdentityCommand).resolves({
      Account: '123456789012',
      Arn: 'arn:aws:iam::123456789012:user/ops',
      UserId: 'AIDA',
    });
    expect(await aws.identity()).toEqual({
      kind: 'aws',
      account: '123456789012',
      arn: 'arn:aws:iam::123456789012:user/ops',
      userId: 'AIDA',
      profile: undefined,
      region: 'eu-west-1',
    });
  });

  it('says an expired session token has expired and what to do', async () => {
    sts
      .on(GetCallerIdentityCommand)
      .rejects(awsError('ExpiredToken', 'The security token included in the request is expired'));
    await expect(aws.identity()).rejects.toMatchObject({
      code: 'ExpiredToken',
      message: expect.stringMatching(/session token for the default credentials has expired: get fresh/),
    });
  });

  it('says a deleted access key is not known to AWS', async () => {
    sts
      .on(GetCallerIdentityCommand)
      .rejects(awsError('InvalidClientTokenId', 'The security token is invalid.'));
    await expect(aws.identity()).rejects.toMatchObject({ code: 'InvalidCredentials' });
  });
});
