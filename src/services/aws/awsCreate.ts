import {
  AssociateRouteTableCommand,
  AttachInternetGatewayCommand,
  AuthorizeSecurityGroupEgressCommand,
  AuthorizeSecurityGroupIngressCommand,
  CreateInternetGatewayCommand,
  CreateRouteCommand,
  CreateRouteTableCommand,
  CreateSecurityGroupCommand,
  CreateSubnetCommand,
  CreateVpcCommand,
  DescribeImagesCommand,
  DescribeSecurityGroupsCommand,
  type ResourceType as Ec2ResourceType,
  type IpPermission,
  ModifySubnetAttributeCommand,
  RevokeSecurityGroupEgressCommand,
  RunInstancesCommand,
  type TagSpecification,
} from '@aws-sdk/client-ec2';
import {
  type BucketLocationConstraint,
  CreateBucketCommand,
  PutBucketEncryptionCommand,
  PutBucketTaggingCommand,
  PutBucketVersioningCommand,
  PutPublicAccessBlockCommand,
} from '@aws-sdk/client-s3';
import type { Resource } from '../../domain/resource';
import { CloudError, errorCode } from '../cloud/cloudError';
import type {
  BucketSpec,
  InstancesSpec,
  InternetGatewaySpec,
  RouteTableSpec,
  SecurityGroupSpec,
  SecurityRule,
  SubnetSpec,
  Tags,
  VpcSpec,
} from '../cloud/cloudProvider';
import type { AwsClients } from './awsClients';
import {
  bucketResource,
  instanceResource,
  internetGatewayResource,
  routeTableResource,
  securityGroupResource,
  subnetResource,
  vpcResource,
} from './awsResources';

/** Creates resources for the deploy. Each create tags what it makes, so the deploy finds it again by tag. */

function tagSpec(type: Ec2ResourceType, tags: Tags): TagSpecification[] {
  return [{ ResourceType: type, Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })) }];
}

/** Adding a rule, route or association that is already there is success for a resumed deploy. */
async function tolerate(codes: string[], call: () => Promise<unknown>): Promise<void> {
  try {
    await call();
  } catch (err) {
    if (!codes.includes(errorCode(err) ?? '')) throw err;
  }
}

export async function createAwsVpc(clients: AwsClients, region: string, spec: VpcSpec, signal?: AbortSignal) {
  const out = await clients
    .ec2(region)
    .send(new CreateVpcCommand({ CidrBlock: spec.cidr, TagSpecifications: tagSpec('vpc', spec.tags) }), {
      abortSignal: signal,
    });
  return vpcResource(out.Vpc ?? {}, region);
}

export async function createAwsSubnet(
  clients: AwsClients,
  region: string,
  spec: SubnetSpec,
  signal?: AbortSignal,
) {
  const ec2 = clients.ec2(region);
  const opts = { abortSignal: signal };
  const out = await ec2.send(
    new CreateSubnetCommand({
      VpcId: spec.vpcId,
      CidrBlock: spec.cidr,
      AvailabilityZone: spec.availabilityZone,
      TagSpecifications: tagSpec('subnet', spec.tags),
    }),
    opts,
  );
  const subnet = out.Subnet ?? {};
  if (spec.public && subnet.SubnetId) {
    await ec2.send(
      new ModifySubnetAttributeCommand({ SubnetId: subnet.SubnetId, MapPublicIpOnLaunch: { Value: true } }),
      opts,
    );
    subnet.MapPublicIpOnLaunch = true;
  }
  return subnetResource(subnet, region);
}

export async function createAwsInternetGateway(
  clients: AwsClients,
  region: string,
  spec: InternetGatewaySpec,
  signal?: AbortSignal,
) {
  const ec2 = clients.ec2(region);
  const opts = { abortSignal: signal };
  const out = await ec2.send(
    new CreateInternetGatewayCommand({ TagSpecifications: tagSpec('internet-gateway', spec.tags) }),
    opts,
  );
  const gw = out.InternetGateway ?? {};
  await ec2.send(
    new AttachInternetGatewayCommand({ InternetGatewayId: gw.InternetGatewayId, VpcId: spec.vpcId }),
    opts,
  );
  return internetGatewayResource({ ...gw, Attachments: [{ VpcId: spec.vpcId, State: 'attached' }] }, region);
}

export async function createAwsRouteTable(
  clients: AwsClients,
  region: string,
  spec: RouteTableSpec,
  signal?: AbortSignal,
) {
  const ec2 = clients.ec2(region);
  const opts = { abortSignal: signal };
  const out = await ec2.send(
    new CreateRouteTableCommand({
      VpcId: spec.vpcId,
      TagSpecifications: tagSpec('route-table', spec.tags),
      ClientToken: spec.clientToken,
    }),
    opts,
  );
  const table = out.RouteTable ?? {};
  const id = table.RouteTableId;
  if (spec.internetGatewayId) {
    await tolerate(['RouteAlreadyExists'], () =>
      ec2.send(
        new CreateRouteCommand({
          RouteTableId: id,
          DestinationCidrBlock: '0.0.0.0/0',
          GatewayId: spec.internetGatewayId,
        }),
        opts,
      ),
    );
    table.Routes = [
      ...(table.Routes ?? []),
      { DestinationCidrBlock: '0.0.0.0/0', GatewayId: spec.internetGatewayId },
    ];
  }
  for (const subnetId of spec.subnetIds) {
    await tolerate(['Resource.AlreadyAssociated'], () =>
      ec2.send(new AssociateRouteTableCommand({ RouteTableId: id, SubnetId: subnetId }), opts),
    );
  }
  table.Associations = spec.subnetIds.map((SubnetId) => ({ SubnetId, Main: false }));
  return routeTableResource(table, region);
}

function permission(rule: SecurityRule): IpPermission {
  const all = rule.protocol === '-1';
  return {
    IpProtocol: rule.protocol,
    FromPort: all ? undefined : (rule.fromPort ?? (rule.protocol === 'icmp' ? -1 : 0)),
    ToPort: all ? undefined : (rule.toPort ?? rule.fromPort ?? (rule.protocol === 'icmp' ? -1 : 65535)),
    IpRanges: rule.cidr ? [{ CidrIp: rule.cidr, Description: rule.description }] : undefined,
    UserIdGroupPairs: rule.groupId ? [{ GroupId: rule.groupId, Description: rule.description }] : undefined,
  };
}

export async function createAwsSecurityGroup(
  clients: AwsClients,
  region: string,
  spec: SecurityGroupSpec,
  signal?: AbortSignal,
) {
  const ec2 = clients.ec2(region);
  const opts = { abortSignal: signal };
  const out = await ec2.send(
    new CreateSecurityGroupCommand({
      GroupName: spec.name,
      Description: spec.description,
      VpcId: spec.vpcId,
      TagSpecifications: tagSpec('security-group', spec.tags),
    }),
    opts,
  );
  const groupId = out.GroupId!;
  if (spec.ingress.length) {
    await tolerate(['InvalidPermission.Duplicate'], () =>
      ec2.send(
        new AuthorizeSecurityGroupIngressCommand({
          GroupId: groupId,
          IpPermissions: spec.ingress.map(permission),
        }),
        opts,
      ),
    );
  }
  if (spec.egress) {
    await tolerate(['InvalidPermission.NotFound'], () =>
      ec2.send(
        new RevokeSecurityGroupEgressCommand({
          GroupId: groupId,
          IpPermissions: [{ IpProtocol: '-1', IpRanges: [{ CidrIp: '0.0.0.0/0' }] }],
        }),
        opts,
      ),
    );
    if (spec.egress.length) {
      await tolerate(['InvalidPermission.Duplicate'], () =>
        ec2.send(
          new AuthorizeSecurityGroupEgressCommand({
            GroupId: groupId,
            IpPermissions: spec.egress!.map(permission),
          }),
          opts,
        ),
      );
    }
  }
  const described = await ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [groupId] }), opts);
  return securityGroupResource(
    described.SecurityGroups?.[0] ?? { GroupId: groupId, GroupName: spec.name },
    region,
  );
}

/** The SSM client is optional: only `ssm:` image aliases need it, and it is loaded when first used. */
async function ssmParameter(
  clients: AwsClients,
  region: string,
  name: string,
  signal?: AbortSignal,
): Promise<string> {
  const moduleName = '@aws-sdk/client-ssm';
  let ssm: {
    SSMClient: new (
      config: object,
    ) => { send(c: unknown, o?: object): Promise<{ Parameter?: { Value?: string } }> };
    GetParameterCommand: new (input: { Name: string }) => unknown;
  };
  try {
    ssm = await import(moduleName);
  } catch {
    throw new CloudError(
      'SsmUnavailable',
      `resolving the image alias ssm:${name} needs the @aws-sdk/client-ssm package (npm install @aws-sdk/client-ssm); ` +
        'or give an ami- id of the region',
    );
  }
  const endpoint = clients.endpoint('SSM');
  const client = new ssm.SSMClient({
    region,
    credentials: clients.credentials,
    retryMode: 'adaptive',
    maxAttempts: clients.settings.maxAttempts,
    ...(endpoint ? { endpoint } : {}),
  });
  try {
    const out = await client.send(new ssm.GetParameterCommand({ Name: name }), { abortSignal: signal });
    const value = out.Parameter?.Value;
    if (!value) throw new CloudError('ParameterNotFound', `ssm:${name} has no value in ${region}`);
    return value;
  } catch (err) {
    if (errorCode(err) === 'ParameterNotFound') {
      throw new CloudError('ParameterNotFound', `ssm:${name} is not a public parameter in ${region}`, {
        region,
      });
    }
    throw err;
  }
}

export async function resolveAwsImage(
  clients: AwsClients,
  region: string,
  image: string,
  signal?: AbortSignal,
): Promise<string> {
  const id = image.startsWith('ssm:') ? await ssmParameter(clients, region, image.slice(4), signal) : image;
  const notFound = () =>
    new CloudError(
      'InvalidAMIID.NotFound',
      `image ${id}${id === image ? '' : ` (from ${image})`} does not exist in ${region}: images are per region`,
      { region },
    );
  try {
    const out = await clients
      .ec2(region)
      .send(new DescribeImagesCommand({ ImageIds: [id] }), { abortSignal: signal });
    if (!out.Images?.length) throw notFound();
  } catch (err) {
    const code = errorCode(err);
    if (code === 'InvalidAMIID.NotFound' || code === 'InvalidAMIID.Malformed') throw notFound();
    throw err;
  }
  return id;
}

export async function runAwsInstances(
  clients: AwsClients,
  region: string,
  spec: InstancesSpec,
  signal?: AbortSignal,
): Promise<Resource[]> {
  const ec2 = clients.ec2(region);
  const opts = { abortSignal: signal };
  let blockDevices:
    | { DeviceName: string; Ebs: { VolumeSize: number; VolumeType: 'gp3'; DeleteOnTermination: true } }[]
    | undefined;
  if (spec.rootVolumeGiB) {
    // The root device's name depends on the image (/dev/xvda, /dev/sda1): ask the image.
    const images = await ec2.send(new DescribeImagesCommand({ ImageIds: [spec.imageId] }), opts);
    const device = images.Images?.[0]?.RootDeviceName ?? '/dev/xvda';
    blockDevices = [
      {
        DeviceName: device,
        Ebs: { VolumeSize: spec.rootVolumeGiB, VolumeType: 'gp3', DeleteOnTermination: true },
      },
    ];
  }
  const out = await ec2.send(
    new RunInstancesCommand({
      ImageId: spec.imageId,
      InstanceType: spec.instanceType as never,
      MinCount: spec.count,
      MaxCount: spec.count,
      SubnetId: spec.subnetId,
      SecurityGroupIds: spec.securityGroupIds,
      KeyName: spec.keyName,
      UserData: spec.userData ? Buffer.from(spec.userData, 'utf8').toString('base64') : undefined,
      BlockDeviceMappings: blockDevices,
      TagSpecifications: [...tagSpec('instance', spec.tags), ...tagSpec('volume', spec.tags)],
      ClientToken: spec.clientToken,
    }),
    opts,
  );
  return (out.Instances ?? []).map((i) => instanceResource(i, region));
}

export async function createAwsBucket(
  clients: AwsClients,
  spec: BucketSpec,
  signal?: AbortSignal,
): Promise<Resource> {
  const s3 = clients.s3(spec.region);
  const opts = { abortSignal: signal };
  await s3.send(
    new CreateBucketCommand({
      Bucket: spec.name,
      CreateBucketConfiguration:
        spec.region === 'us-east-1'
          ? undefined
          : { LocationConstraint: spec.region as BucketLocationConstraint },
    }),
    opts,
  );
  const tags = Object.entries(spec.tags).map(([Key, Value]) => ({ Key, Value }));
  if (tags.length)
    await s3.send(new PutBucketTaggingCommand({ Bucket: spec.name, Tagging: { TagSet: tags } }), opts);
  if (spec.versioning) {
    await s3.send(
      new PutBucketVersioningCommand({ Bucket: spec.name, VersioningConfiguration: { Status: 'Enabled' } }),
      opts,
    );
  }
  if (spec.encryption) {
    await s3.send(
      new PutBucketEncryptionCommand({
        Bucket: spec.name,
        ServerSideEncryptionConfiguration: {
          Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
        },
      }),
      opts,
    );
  }
  if (spec.blockPublicAccess) {
    await s3.send(
      new PutPublicAccessBlockCommand({
        Bucket: spec.name,
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true,
          IgnorePublicAcls: true,
          BlockPublicPolicy: true,
          RestrictPublicBuckets: true,
        },
      }),
      opts,
    );
  }
  return bucketResource({ Name: spec.name, CreationDate: new Date() }, spec.region, spec.tags);
}
