import {
  CreateInternetGatewayCommand,
  CreateRouteTableCommand,
  CreateSecurityGroupCommand,
  CreateSubnetCommand,
  CreateVpcCommand,
  DescribeImagesCommand,
  type ResourceType as Ec2ResourceType,
  RunInstancesCommand,
  type TagSpecification,
} from '@aws-sdk/client-ec2';
import { type BucketLocationConstraint, CreateBucketCommand } from '@aws-sdk/client-s3';
import type { Resource } from '../../domain/resource';
import { CloudError, errorCode } from '../cloud/cloudError';
import type {
  BucketSpec,
  InstancesSpec,
  InternetGatewaySpec,
  RouteTableSpec,
  SecurityGroupSpec,
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
  const out = await clients.ec2(region).send(
    new CreateSubnetCommand({
      VpcId: spec.vpcId,
      CidrBlock: spec.cidr,
      AvailabilityZone: spec.availabilityZone,
      TagSpecifications: tagSpec('subnet', spec.tags),
    }),
    { abortSignal: signal },
  );
  return subnetResource(out.Subnet ?? {}, region);
}

export async function createAwsInternetGateway(
  clients: AwsClients,
  region: string,
  spec: InternetGatewaySpec,
  signal?: AbortSignal,
) {
  const out = await clients
    .ec2(region)
    .send(new CreateInternetGatewayCommand({ TagSpecifications: tagSpec('internet-gateway', spec.tags) }), {
      abortSignal: signal,
    });
  return internetGatewayResource(out.InternetGateway ?? {}, region);
}

export async function createAwsRouteTable(
  clients: AwsClients,
  region: string,
  spec: RouteTableSpec,
  signal?: AbortSignal,
) {
  const out = await clients.ec2(region).send(
    new CreateRouteTableCommand({
      VpcId: spec.vpcId,
      TagSpecifications: tagSpec('route-table', spec.tags),
      ClientToken: spec.clientToken,
    }),
    { abortSignal: signal },
  );
  return routeTableResource(out.RouteTable ?? {}, region);
}

export async function createAwsSecurityGroup(
  clients: AwsClients,
  region: string,
  spec: SecurityGroupSpec,
  signal?: AbortSignal,
) {
  const out = await clients.ec2(region).send(
    new CreateSecurityGroupCommand({
      GroupName: spec.name,
      Description: spec.description,
      VpcId: spec.vpcId,
      TagSpecifications: tagSpec('security-group', spec.tags),
    }),
    { abortSignal: signal },
  );
  // The answer names only the id; AWS has given the group its allow-all egress rule.
  return securityGroupResource(
    {
      GroupId: out.GroupId,
      GroupName: spec.name,
      Description: spec.description,
      VpcId: spec.vpcId,
      Tags: Object.entries(spec.tags).map(([Key, Value]) => ({ Key, Value })),
      IpPermissions: [],
      IpPermissionsEgress: [{ IpProtocol: '-1', IpRanges: [{ CidrIp: '0.0.0.0/0' }] }],
    },
    region,
  );
}

/** An SSM public parameter (`ssm:` image aliases). The SSM client is loaded the first time one is used. */
async function ssmParameter(
  clients: AwsClients,
  region: string,
  name: string,
  signal?: AbortSignal,
): Promise<string> {
  const { SSMClient, GetParameterCommand } = await import('@aws-sdk/client-ssm');
  const endpoint = clients.endpoint('SSM');
  const client = new SSMClient({
    region,
    credentials: clients.credentials,
    retryMode: 'adaptive',
    maxAttempts: clients.settings.maxAttempts,
    ...(endpoint ? { endpoint } : {}),
  });
  try {
    const out = await client.send(new GetParameterCommand({ Name: name }), { abortSignal: signal });
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
  await clients.s3(spec.region).send(
    new CreateBucketCommand({
      Bucket: spec.name,
      CreateBucketConfiguration:
        spec.region === 'us-east-1'
          ? undefined
          : { LocationConstraint: spec.region as BucketLocationConstraint },
    }),
    { abortSignal: signal },
  );
  return bucketResource({ Name: spec.name, CreationDate: new Date() }, spec.region, {});
}
