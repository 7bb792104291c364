import { type Cidr, cidrContains, cidrsOverlap, parseCidr } from '../../domain/cidr';
import type { Resource } from '../../domain/resource';
import { CloudError } from './cloudError';
import type {
  BucketSpec,
  InstancesSpec,
  InternetGatewaySpec,
  RouteTableSpec,
  SecurityGroupSpec,
  SubnetSpec,
  VpcSpec,
} from './cloudProvider';
import { copyResource, type DemoEndpoint } from './demoEndpoint';
import { allowAllOut } from './settingsDiff';

/** Creates resources in the DEMO account, refusing what EC2 and S3 refuse, with their error codes. */

export async function resolveDemoImage(
  demo: DemoEndpoint,
  region: string,
  image: string,
  signal?: AbortSignal,
): Promise<string> {
  return demo.call(
    region,
    image.startsWith('ssm:') ? 'ssm:GetParameter' : 'ec2:DescribeImages',
    signal,
    () => {
      const known = demo.images.get(region) ?? new Set<string>();
      demo.images.set(region, known);
      if (image.startsWith('ssm:')) {
        // Every AWS public parameter "exists" here, as a stable per-region id, like the real aliases.
        if (!image.startsWith('ssm:/aws/service/')) {
          throw new CloudError('ParameterNotFound', `${image} is not a public parameter in ${region}`, {
            region,
          });
        }
        const id = `ami-0${stableHex(`${demo.seed}/${region}/${image}`, 16)}`;
        known.add(id);
        return id;
      }
      if (!known.has(image)) {
        throw new CloudError(
          'InvalidAMIID.NotFound',
          `image ${image} does not exist in ${region}: images are per region`,
          {
            region,
          },
        );
      }
      return image;
    },
  );
}

export async function createDemoVpc(
  demo: DemoEndpoint,
  region: string,
  spec: VpcSpec,
  signal?: AbortSignal,
): Promise<Resource> {
  return demo
    .call(region, 'ec2:CreateVpc', signal, () => {
      networkBlock(spec.cidr, 'the VPC CIDR');
      return demo.add({
        type: 'vpc',
        id: demo.ids.next('vpc'),
        region,
        state: 'available',
        detail: spec.cidr,
        tags: { ...spec.tags },
        refs: {},
        raw: { CidrBlock: spec.cidr, IsDefault: false },
      });
    })
    .then(async (vpc) => {
      // AWS makes the main route table and the default group with every VPC.
      await demo.call(region, 'ec2:CreateVpc', signal, () => {
        demo.add({
          type: 'route-table',
          id: demo.ids.next('rtb'),
          region,
          detail: `main ${vpc.id}`,
          tags: {},
          refs: { vpc: vpc.id, internetGateways: [], subnets: [] },
          implicit: true,
          raw: { Main: true },
        });
        demo.add({
          type: 'security-group',
          id: demo.ids.next('sg'),
          name: 'default',
          region,
          detail: `default ${vpc.id}`,
          tags: {},
          refs: { vpc: vpc.id, securityGroups: [] },
          implicit: true,
          raw: { GroupName: 'default', Ingress: [] },
        });
      });
      return vpc;
    });
}

export async function createDemoSubnet(
  demo: DemoEndpoint,
  region: string,
  spec: SubnetSpec,
  signal?: AbortSignal,
): Promise<Resource> {
  return demo.call(region, 'ec2:CreateSubnet', signal, () => {
    const vpc = demo.expect(region, 'vpc', spec.vpcId);
    const vpcCidr = networkBlock(String(vpc.raw?.CidrBlock ?? ''), 'the VPC CIDR');
    const cidr = networkBlock(spec.cidr, 'the subnet CIDR');
    if (!cidrContains(vpcCidr, cidr)) {
      throw new CloudError('InvalidSubnet.Range', `The CIDR '${spec.cidr}' is invalid for ${vpc.id}.`, {
        region,
      });
    }
    for (const other of demo.list(region, 'subnet')) {
      if (other.refs.vpc !== vpc.id) continue;
      if (cidrsOverlap(networkBlock(String(other.raw?.CidrBlock), 'a subnet CIDR'), cidr)) {
        throw new CloudError(
          'InvalidSubnet.Conflict',
          `The CIDR '${spec.cidr}' conflicts with another subnet`,
          {
            region,
          },
        );
      }
    }
    const az = spec.availabilityZone ?? `${region}a`;
    return demo.add({
      type: 'subnet',
      id: demo.ids.next('subnet'),
      region,
      state: 'available',
      detail: `${spec.cidr} ${az}`,
      tags: { ...spec.tags },
      refs: { vpc: vpc.id },
      raw: { CidrBlock: spec.cidr, AvailabilityZone: az, MapPublicIpOnLaunch: false },
    });
  });
}

export async function createDemoInternetGateway(
  demo: DemoEndpoint,
  region: string,
  spec: InternetGatewaySpec,
  signal?: AbortSignal,
): Promise<Resource> {
  return demo.call(region, 'ec2:CreateInternetGateway', signal, () =>
    demo.add({
      type: 'internet-gateway',
      id: demo.ids.next('igw'),
      region,
      state: 'detached',
      detail: 'detached',
      tags: { ...spec.tags },
      refs: {},
    }),
  );
}

export async function createDemoRouteTable(
  demo: DemoEndpoint,
  region: string,
  spec: RouteTableSpec,
  signal?: AbortSignal,
): Promise<Resource> {
  return demo.call(region, 'ec2:CreateRouteTable', signal, () => {
    const token = spec.clientToken && `${region}/rtb/${spec.clientToken}`;
    const earlier = token ? demo.clientTokens.get(token) : undefined;
    if (earlier) {
      const r = demo.regionMap(region).get(earlier[0]);
      if (r) return copyResource(r);
    }
    const vpc = demo.expect(region, 'vpc', spec.vpcId);
    const r = demo.add({
      type: 'route-table',
      id: demo.ids.next('rtb'),
      region,
      detail: vpc.id,
      tags: { ...spec.tags },
      refs: { vpc: vpc.id, subnets: [], internetGateways: [] },
      raw: { Main: false },
    });
    if (token) demo.clientTokens.set(token, [r.id]);
    return r;
  });
}

export async function createDemoSecurityGroup(
  demo: DemoEndpoint,
  region: string,
  spec: SecurityGroupSpec,
  signal?: AbortSignal,
): Promise<Resource> {
  return demo.call(region, 'ec2:CreateSecurityGroup', signal, () => {
    const vpc = demo.expect(region, 'vpc', spec.vpcId);
    if (
      demo.list(region, 'security-group').some((g) => g.refs.vpc === vpc.id && g.raw?.GroupName === spec.name)
    ) {
      throw new CloudError(
        'InvalidGroup.Duplicate',
        `The security group '${spec.name}' already exists for VPC '${vpc.id}'`,
        { region },
      );
    }
    return demo.add({
      type: 'security-group',
      id: demo.ids.next('sg'),
      name: spec.tags.Name ?? spec.name,
      region,
      detail: '0 inbound rules',
      tags: { ...spec.tags },
      refs: { vpc: vpc.id, securityGroups: [] },
      raw: { GroupName: spec.name, Description: spec.description, Ingress: [], Egress: [allowAllOut] },
    });
  });
}

export async function runDemoInstances(
  demo: DemoEndpoint,
  region: string,
  spec: InstancesSpec,
  signal?: AbortSignal,
): Promise<Resource[]> {
  return demo.call(region, 'ec2:RunInstances', signal, () => {
    // The same ClientToken returns the first call's instances: a retried deploy never doubles them.
    const token = `${region}/i/${spec.clientToken}`;
    const earlier = demo.clientTokens.get(token);
    if (earlier)
      return earlier.flatMap((id) => demo.regionMap(region).get(id) ?? []).map((r) => copyResource(r));
    if (!/^ami-[0-9a-f]{8,17}$/.test(spec.imageId)) {
      throw new CloudError('InvalidAMIID.Malformed', `Invalid id: "${spec.imageId}"`, { region });
    }
    if (!demo.images.get(region)?.has(spec.imageId)) {
      throw new CloudError('InvalidAMIID.NotFound', `The image id '[${spec.imageId}]' does not exist`, {
        region,
      });
    }
    if (!Number.isInteger(spec.count) || spec.count < 1) {
      throw new CloudError('InvalidParameterValue', `count must be 1 or more, got ${spec.count}`, {
        region,
      });
    }
    const subnet = demo.expect(region, 'subnet', spec.subnetId);
    for (const g of spec.securityGroupIds) demo.expect(region, 'security-group', g);
    if (spec.keyName && !demo.list(region, 'key-pair').some((k) => k.name === spec.keyName)) {
      throw new CloudError('InvalidKeyPair.NotFound', `The key pair '${spec.keyName}' does not exist`, {
        region,
      });
    }
    const created: Resource[] = [];
    for (let i = 0; i < spec.count; i++) {
      const id = demo.ids.next('i');
      const vol = demo.add({
        type: 'volume',
        id: demo.ids.next('vol'),
        region,
        state: 'in-use',
        detail: `${spec.rootVolumeGiB ?? 8} GiB gp3`,
        tags: { ...spec.tags },
        refs: { instance: id },
        raw: { Size: spec.rootVolumeGiB ?? 8, VolumeType: 'gp3', DeleteOnTermination: true },
      });
      const cidr = String(subnet.raw?.CidrBlock ?? '10.0.0.0/24');
      const ip = `${cidr.split('.').slice(0, 3).join('.')}.${10 + Math.floor(demo.random() * 200)}`;
      const r = demo.add({
        type: 'instance',
        id,
        name: spec.tags.Name,
        region,
        state: 'pending',
        detail: `${spec.instanceType} ${ip}`,
        tags: { ...spec.tags },
        refs: {
          vpc: subnet.refs.vpc,
          subnet: subnet.id,
          securityGroups: [...spec.securityGroupIds],
          volumes: [vol.id],
          keyPair: spec.keyName,
        },
        raw: {
          InstanceType: spec.instanceType,
          ImageId: spec.imageId,
          PrivateIpAddress: ip,
          AvailabilityZone: subnet.raw?.AvailabilityZone,
        },
      });
      demo.transitions.set(id, { region, to: 'running', at: demo.now() + demo.transitionMs });
      created.push(r);
    }
    demo.clientTokens.set(
      token,
      created.map((r) => r.id),
    );
    return created;
  });
}

export async function createDemoBucket(
  demo: DemoEndpoint,
  spec: BucketSpec,
  signal?: AbortSignal,
): Promise<Resource> {
  return demo.call('global', 's3:CreateBucket', signal, () => {
    if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(spec.name)) {
      throw new CloudError('InvalidBucketName', `The specified bucket "${spec.name}" is not valid.`);
    }
    if (demo.state.buckets.has(spec.name)) {
      throw new CloudError(
        'BucketAlreadyOwnedByYou',
        `The bucket ${spec.name} already exists in this account.`,
      );
    }
    // Like S3 since 2023: a new bucket is encrypted (SSE-S3) and blocks public access.
    const resource: Resource = {
      type: 'bucket',
      id: spec.name,
      name: spec.name,
      region: spec.region,
      createdAt: demo.now(),
      detail: 'empty',
      tags: {},
      refs: {},
      raw: { versioning: false, encryption: true, blockPublicAccess: true },
    };
    demo.state.buckets.set(spec.name, { resource, objects: 0 });
    return copyResource(resource);
  });
}

/** A VPC or subnet block as CreateVpc and CreateSubnet take it: /16 to /28. */
function networkBlock(text: string, what: string): Cidr {
  const cidr = parseCidr(text);
  if (!cidr || cidr.bits < 16 || cidr.bits > 28) {
    throw new CloudError(
      'InvalidParameterValue',
      `${what} "${text}" is not a CIDR block between /16 and /28`,
    );
  }
  return cidr;
}

/** FNV-1a, stretched: the same text always gives the same hex digits. */
function stableHex(text: string, digits: number): string {
  let out = '';
  for (let round = 0; out.length < digits; round++) {
    let h = 0x811c9dc5 ^ round;
    for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
    out += (h >>> 0).toString(16).padStart(8, '0');
  }
  return out.slice(0, digits);
}
