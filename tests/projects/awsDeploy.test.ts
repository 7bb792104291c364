import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AuthorizeSecurityGroupIngressCommand,
  CreateSecurityGroupCommand,
  CreateSubnetCommand,
  CreateVpcCommand,
  DescribeImagesCommand,
  DescribeInstancesCommand,
  DescribeInternetGatewaysCommand,
  DescribeRouteTablesCommand,
  DescribeSecurityGroupsCommand,
  DescribeSubnetsCommand,
  DescribeVolumesCommand,
  DescribeVpcsCommand,
  EC2Client,
  RunInstancesCommand,
} from '@aws-sdk/client-ec2';
import {
  CreateBucketCommand,
  GetBucketEncryptionCommand,
  GetBucketTaggingCommand,
  GetBucketVersioningCommand,
  GetPublicAccessBlockCommand,
  ListBucketsCommand,
  PutBucketEncryptionCommand,
  PutBucketTaggingCommand,
  PutBucketVersioningCommand,
  PutPublicAccessBlockCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseBlueprint, sha256 } from '../../src/domain/blueprintSource';
import { deployPayloadSchema } from '../../src/domain/projectJobs';
import { type AwsClients, createAwsClients } from '../../src/services/aws/awsClients';
import { AwsProvider } from '../../src/services/aws/awsProvider';
import { deployProject } from '../../src/services/projects/deployProject';
import { readStateFile } from '../../src/services/projects/stateFile';
import { recordedJob } from './fakeJob';

const ec2 = mockClient(EC2Client);
const s3 = mockClient(S3Client);
const sts = mockClient(STSClient);

const text = `name: api
owner: api-team
environment: dev
region: eu-west-1
network:
  vpc: { cidr: 10.50.0.0/16 }
  subnets:
    - { name: app, cidr: 10.50.1.0/24, az: eu-west-1a }
  securityGroups:
    - name: app
      ingress:
        - { protocol: tcp, port: 8080, cidr: 10.50.0.0/16 }
compute:
  instances:
    - { name: app, type: t3.micro, ami: ami-0123456789abcdef0, count: 2, subnet: app, securityGroups: [app] }
storage:
  buckets:
    - name: api-uploads-4711
`;

function awsError(name: string, message = name): Error {
  return Object.assign(new Error(message), { name, $metadata: { httpStatusCode: 400 } });
}

let home: string;
let dataDir: string;
let clients: AwsClients;
let aws: AwsProvider;

beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), 'infradeck-aws-home-'));
});
afterAll(async () => {
  await rm(home, { recursive: true, force: true });
});

beforeEach(async () => {
  ec2.reset();
  s3.reset();
  sts.reset();
  sts.on(GetCallerIdentityCommand).resolves({
    Account: '123456789012',
    Arn: 'arn:aws:iam::123456789012:user/deployer',
    UserId: 'AIDAEXAMPLE',
  });
  dataDir = await mkdtemp(join(tmpdir(), 'infradeck-aws-data-'));
  clients = await createAwsClients({
    env: { HOME: home, AWS_REGION: 'eu-west-1' },
    credentials: async () => ({ accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' }),
  });
  aws = new AwsProvider(clients, { dependencyRetry: { attempts: 2, baseMs: 1, maxMs: 2 }, pollMs: 1 });
  // Nothing of the project exists yet.
  ec2.on(DescribeInstancesCommand).resolves({ Reservations: [] });
  ec2.on(DescribeVpcsCommand).resolves({ Vpcs: [] });
  ec2.on(DescribeSubnetsCommand).resolves({ Subnets: [] });
  ec2.on(DescribeSecurityGroupsCommand).resolves({ SecurityGroups: [] });
  ec2.on(DescribeInternetGatewaysCommand).resolves({ InternetGateways: [] });
  ec2.on(DescribeRouteTablesCommand).resolves({ RouteTables: [] });
  ec2.on(DescribeVolumesCommand).resolves({ Volumes: [] });
  s3.on(ListBucketsCommand).resolves({ Buckets: [] });
});
afterEach(async () => {
  clients.destroy();
  await rm(dataDir, { recursive: true, force: true });
});

function payload() {
  const parsed = parseBlueprint('projects/api.yaml', text);
  if (!parsed.blueprint) throw new Error(parsed.errors.map((e) => e.message).join('\n'));
  return deployPayloadSchema.parse({
    project: 'api',
    blueprint: parsed.blueprint,
    source: { file: 'projects/api.yaml', sha256: sha256(text) },
    deployId: 'd-aws-1',
  });
}

describe('deploy at the SDK boundary', () => {
  it('sends each create tagged with the project, RunInstances with a ClientToken, and records every id', async () => {
    ec2
      .on(DescribeImagesCommand)
      .resolves({ Images: [{ ImageId: 'ami-0123456789abcdef0', RootDeviceName: '/dev/xvda' }] });
    ec2.on(CreateVpcCommand).resolves({ Vpc: { VpcId: 'vpc-0aa', CidrBlock: '10.50.0.0/16' } });
    ec2.on(CreateSubnetCommand).resolves({
      Subnet: {
        SubnetId: 'subnet-0bb',
        VpcId: 'vpc-0aa',
        CidrBlock: '10.50.1.0/24',
        AvailabilityZone: 'eu-west-1a',
      },
    });
    ec2.on(DescribeSubnetsCommand, { SubnetIds: ['subnet-0bb'] }).resolves({
      Subnets: [{ SubnetId: 'subnet-0bb', VpcId: 'vpc-0aa', MapPublicIpOnLaunch: false }],
    });
    ec2.on(CreateSecurityGroupCommand).resolves({ GroupId: 'sg-0cc' });
    ec2.on(AuthorizeSecurityGroupIngressCommand).resolves({});
    // A new group as AWS makes it: no inbound rule, all traffic out.
    ec2.on(DescribeSecurityGroupsCommand, { GroupIds: ['sg-0cc'] }).resolves({
      SecurityGroups: [
        {
          GroupId: 'sg-0cc',
          GroupName: 'api-app',
          VpcId: 'vpc-0aa',
          IpPermissions: [],
          IpPermissionsEgress: [{ IpProtocol: '-1', IpRanges: [{ CidrIp: '0.0.0.0/0' }] }],
        },
      ],
    });
    ec2.on(RunInstancesCommand).resolves({
      Instances: [1, 2].map((n) => ({
        InstanceId: `i-0${n}`,
        InstanceType: 't3.micro',
        SubnetId: 'subnet-0bb',
        VpcId: 'vpc-0aa',
        State: { Name: 'pending', Code: 0 },
      })),
    });
    // Read back after the launch: not listed yet (EC2 is eventually consistent), then running with an address.
    ec2
      .on(DescribeInstancesCommand, { Filters: [{ Name: 'instance-id', Values: ['i-01', 'i-02'] }] })
      .resolvesOnce({ Reservations: [] })
      .resolves({
        Reservations: [
          {
            Instances: [1, 2].map((n) => ({
              InstanceId: `i-0${n}`,
              InstanceType: 't3.micro',
              SubnetId: 'subnet-0bb',
              VpcId: 'vpc-0aa',
              PrivateIpAddress: `10.50.1.${n + 10}`,
              State: { Name: 'running', Code: 16 },
            })),
          },
        ],
      });
    s3.on(CreateBucketCommand).resolves({});
    // A new bucket as S3 makes it: no tags, versioning never set, encrypted, public access not yet blocked.
    s3.on(GetBucketTaggingCommand).rejects(awsError('NoSuchTagSet', 'The TagSet does not exist'));
    s3.on(GetBucketVersioningCommand).resolves({});
    s3.on(GetBucketEncryptionCommand).resolves({
      ServerSideEncryptionConfiguration: {
        Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      },
    });
    s3.on(GetPublicAccessBlockCommand).rejects(awsError('NoSuchPublicAccessBlockConfiguration'));
    s3.on(PutBucketTaggingCommand).resolves({});
    s3.on(PutBucketVersioningCommand).resolves({});
    s3.on(PutBucketEncryptionCommand).resolves({});
    s3.on(PutPublicAccessBlockCommand).resolves({});

    const result = await deployProject(payload(), recordedJob(), { cloud: aws, dataDir });
    expect(result.created.map((r) => r.id).sort()).toEqual(
      ['api-uploads-4711', 'i-01', 'i-02', 'sg-0cc', 'subnet-0bb', 'vpc-0aa'].sort(),
    );
    // The servers were read until they ran: once not listed yet, once running.
    const readBack = ec2.commandCalls(DescribeInstancesCommand, {
      Filters: [{ Name: 'instance-id', Values: ['i-01', 'i-02'] }],
    });
    expect(readBack).toHaveLength(2);

    const vpcTags = ec2.commandCalls(CreateVpcCommand)[0].args[0].input.TagSpecifications?.[0].Tags;
    expect(vpcTags).toEqual(
      expect.arrayContaining([
        { Key: 'infradeck:project', Value: 'api' },
        { Key: 'infradeck:logical-id', Value: 'vpc' },
        { Key: 'infradeck:deploy', Value: 'd-aws-1' },
        { Key: 'Name', Value: 'api' },
      ]),
    );
    const [run] = ec2.commandCalls(RunInstancesCommand);
    expect(run.args[0].input).toMatchObject({
      ImageId: 'ami-0123456789abcdef0',
      InstanceType: 't3.micro',
      MinCount: 2,
      MaxCount: 2,
      SubnetId: 'subnet-0bb',
      SecurityGroupIds: ['sg-0cc'],
      ClientToken: expect.stringMatching(/^infradeck-[0-9a-f]{40}$/),
    });
    expect(run.args[0].input.TagSpecifications?.[0].Tags).toContainEqual({
      Key: 'infradeck:logical-id',
      Value: 'instances:app',
    });
    const ingress = ec2.commandCalls(AuthorizeSecurityGroupIngressCommand)[0].args[0].input.IpPermissions;
    expect(ingress).toEqual([
      expect.objectContaining({
        IpProtocol: 'tcp',
        FromPort: 8080,
        ToPort: 8080,
        IpRanges: [{ CidrIp: '10.50.0.0/16' }],
      }),
    ]);
    // The bucket is configured after its create, only if it is this account's.
    const [tagging] = s3.commandCalls(PutBucketTaggingCommand);
    expect(tagging.args[0].input).toMatchObject({
      Bucket: 'api-uploads-4711',
      ExpectedBucketOwner: '123456789012',
    });
    expect(tagging.args[0].input.Tagging?.TagSet).toContainEqual({
      Key: 'infradeck:deploy',
      Value: 'd-aws-1',
    });
    expect(s3.commandCalls(PutPublicAccessBlockCommand)[0].args[0].input.ExpectedBucketOwner).toBe(
      '123456789012',
    );
    // Encryption is S3's default already: not sent again.
    expect(s3.commandCalls(PutBucketEncryptionCommand)).toEqual([]);
    const state = await readStateFile(dataDir, 'api');
    expect(state.ok && state.state?.resources.map((r) => r.id).sort()).toEqual(
      result.created.map((r) => r.id).sort(),
    );
  });

  it('an AMI that does not exist in the region stops the deploy before any create is sent', async () => {
    ec2
      .on(DescribeImagesCommand)
      .rejects(awsError('InvalidAMIID.NotFound', "The image id '[ami-0123456789abcdef0]' does not exist"));
    await expect(deployProject(payload(), recordedJob(), { cloud: aws, dataDir })).rejects.toThrow(
      /stopped before any change:\n {2}compute\.instances\[0\]\.ami: AMI ami-0123456789abcdef0 cannot be used in eu-west-1 \(InvalidAMIID\.NotFound/,
    );
    expect(ec2.commandCalls(CreateVpcCommand)).toEqual([]);
    expect(ec2.commandCalls(RunInstancesCommand)).toEqual([]);
    expect(s3.commandCalls(CreateBucketCommand)).toEqual([]);
  });

  it('a bucket name owned by another account is a clear error naming the field', async () => {
    ec2.on(DescribeImagesCommand).resolves({ Images: [{ ImageId: 'ami-0123456789abcdef0' }] });
    ec2.on(CreateVpcCommand).resolves({ Vpc: { VpcId: 'vpc-0aa', CidrBlock: '10.50.0.0/16' } });
    ec2
      .on(CreateSubnetCommand)
      .resolves({ Subnet: { SubnetId: 'subnet-0bb', VpcId: 'vpc-0aa', CidrBlock: '10.50.1.0/24' } });
    ec2.on(CreateSecurityGroupCommand).resolves({ GroupId: 'sg-0cc' });
    ec2.on(AuthorizeSecurityGroupIngressCommand).resolves({});
    ec2.on(RunInstancesCommand).resolves({ Instances: [{ InstanceId: 'i-01' }, { InstanceId: 'i-02' }] });
    s3.on(CreateBucketCommand).rejects(
      awsError('BucketAlreadyExists', 'The requested bucket name is not available.'),
    );
    await expect(deployProject(payload(), recordedJob(), { cloud: aws, dataDir })).rejects.toThrow(
      'bucket:api-uploads-4711: bucket name api-uploads-4711 is taken by another AWS account (bucket names are global): choose another name at storage.buckets[0].name',
    );
  });
});
