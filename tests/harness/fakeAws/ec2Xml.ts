import { parseCidr } from './cidr';
import {
  type Ec2World,
  type Instance,
  type InternetGateway,
  instanceStateCodes,
  type RouteTable,
  type Rule,
  type SecurityGroup,
  type Subnet,
  type Volume,
  type Vpc,
} from './ec2Model';
import type { XmlValue } from './xml';

/** EC2's answer shapes, with its element names (lower camel case, lists of `<item>`). */

export function tagSet(tags: Map<string, string>): XmlValue {
  return tags.size ? [...tags].map(([key, value]) => ({ key, value })) : undefined;
}

export function vpcXml(v: Vpc, world: Ec2World, state = 'available'): XmlValue {
  return {
    vpcId: v.id,
    ownerId: world.account,
    state,
    cidrBlock: v.cidr,
    cidrBlockAssociationSet: [
      {
        cidrBlock: v.cidr,
        associationId: `vpc-cidr-assoc-${v.id.slice(4)}`,
        cidrBlockState: { state: 'associated' },
      },
    ],
    dhcpOptionsId: 'dopt-0a1b2c3d4e5f60718',
    tagSet: tagSet(v.tags),
    instanceTenancy: 'default',
    isDefault: false,
  };
}

export function subnetXml(s: Subnet, world: Ec2World, state = 'available'): XmlValue {
  const block = parseCidr(s.cidr)!;
  return {
    subnetId: s.id,
    subnetArn: `arn:aws:ec2:${s.region}:${world.account}:subnet/${s.id}`,
    state,
    ownerId: world.account,
    vpcId: s.vpcId,
    cidrBlock: s.cidr,
    availableIpAddressCount: block.size - 5 - s.usedHosts.size,
    availabilityZone: s.availabilityZone,
    availabilityZoneId: `${s.region.replace(/-/g, '').slice(0, 4)}-az${'abcdef'.indexOf(s.availabilityZone.slice(-1)) + 1}`,
    defaultForAz: false,
    mapPublicIpOnLaunch: s.mapPublicIpOnLaunch,
    assignIpv6AddressOnCreation: false,
    tagSet: tagSet(s.tags),
  };
}

export function internetGatewayXml(g: InternetGateway, world: Ec2World): XmlValue {
  return {
    internetGatewayId: g.id,
    ownerId: world.account,
    attachmentSet: g.vpcId ? [{ vpcId: g.vpcId, state: 'available' }] : [],
    tagSet: tagSet(g.tags),
  };
}

export function routeTableXml(t: RouteTable, world: Ec2World): XmlValue {
  const vpc = world.find('vpc', t.region, t.vpcId);
  return {
    routeTableId: t.id,
    vpcId: t.vpcId,
    ownerId: world.account,
    routeSet: [
      { destinationCidrBlock: vpc?.cidr, gatewayId: 'local', state: 'active', origin: 'CreateRouteTable' },
      ...t.routes.map((r) => {
        const gw = world.find('internet-gateway', t.region, r.gatewayId);
        // A route to a gateway that was detached or deleted stays, as a blackhole.
        const state = gw?.vpcId === t.vpcId ? 'active' : 'blackhole';
        return { destinationCidrBlock: r.destination, gatewayId: r.gatewayId, state, origin: r.origin };
      }),
    ],
    associationSet: t.associations.map((a) => ({
      main: a.main,
      routeTableAssociationId: a.id,
      routeTableId: t.id,
      subnetId: a.subnetId,
      associationState: { state: 'associated' },
    })),
    propagatingVgwSet: [],
    tagSet: tagSet(t.tags),
  };
}

/** Rules with the same protocol and ports are one IpPermission with several sources, as EC2 describes them. */
export function ipPermissionsXml(rules: Rule[], world: Ec2World): XmlValue {
  const groups = new Map<string, Rule[]>();
  for (const r of rules) {
    const key = `${r.protocol}/${r.fromPort}/${r.toPort}`;
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  return [...groups.values()].map((same) => {
    const { protocol, fromPort, toPort } = same[0];
    return {
      ipProtocol: protocol,
      fromPort,
      toPort,
      groups: same
        .filter((r) => r.groupId)
        .map((r) => ({ userId: world.account, groupId: r.groupId, description: r.description })),
      ipRanges: same.filter((r) => r.cidr).map((r) => ({ cidrIp: r.cidr, description: r.description })),
      ipv6Ranges: [],
      prefixListIds: [],
    };
  });
}

export function securityGroupXml(g: SecurityGroup, world: Ec2World): XmlValue {
  return {
    ownerId: world.account,
    groupId: g.id,
    groupName: g.name,
    groupDescription: g.description,
    ipPermissions: ipPermissionsXml(g.ingress, world),
    ipPermissionsEgress: ipPermissionsXml(g.egress, world),
    vpcId: g.vpcId,
    securityGroupArn: `arn:aws:ec2:${g.region}:${world.account}:security-group/${g.id}`,
    tagSet: tagSet(g.tags),
  };
}

export function instanceStateXml(state: Instance['state']): XmlValue {
  return { code: instanceStateCodes[state], name: state };
}

function privateDns(i: Instance): string {
  return `ip-${i.privateIp.replace(/\./g, '-')}.${i.region}.compute.internal`;
}

export function instanceXml(i: Instance, world: Ec2World): XmlValue {
  const live = i.state !== 'terminated';
  const root = world.find('volume', i.region, i.rootVolumeId);
  const groups = i.groupIds.map((id) => ({
    groupId: id,
    groupName: world.find('security-group', i.region, id)?.name,
  }));
  return {
    instanceId: i.id,
    imageId: i.imageId,
    instanceState: instanceStateXml(i.state),
    privateDnsName: live ? privateDns(i) : '',
    dnsName: '',
    reason: i.stateReason ?? '',
    keyName: i.keyName,
    amiLaunchIndex: i.launchIndex,
    productCodes: [],
    instanceType: i.instanceType,
    launchTime: i.launchTime,
    placement: { availabilityZone: i.availabilityZone, groupName: '', tenancy: 'default' },
    monitoring: { state: 'disabled' },
    subnetId: live ? i.subnetId : undefined,
    vpcId: live ? i.vpcId : undefined,
    privateIpAddress: live ? i.privateIp : undefined,
    ipAddress: i.state === 'running' || i.state === 'pending' ? i.publicIp : undefined,
    stateReason:
      i.state === 'terminated' || i.state === 'shutting-down'
        ? {
            code: 'Client.UserInitiatedShutdown',
            message: 'Client.UserInitiatedShutdown: User initiated shutdown',
          }
        : undefined,
    architecture: i.architecture,
    rootDeviceType: 'ebs',
    rootDeviceName: i.rootDeviceName,
    blockDeviceMapping:
      root?.instanceId === i.id
        ? [
            {
              deviceName: i.rootDeviceName,
              ebs: {
                volumeId: root.id,
                status: 'attached',
                attachTime: i.launchTime,
                deleteOnTermination: root.deleteOnTermination,
              },
            },
          ]
        : [],
    virtualizationType: 'hvm',
    clientToken: i.clientToken ?? '',
    tagSet: tagSet(i.tags),
    groupSet: live ? groups : [],
    sourceDestCheck: true,
    hypervisor: 'xen',
    ebsOptimized: false,
    enaSupport: true,
    metadataOptions: {
      state: 'applied',
      httpTokens: 'required',
      httpPutResponseHopLimit: 2,
      httpEndpoint: 'enabled',
    },
    bootMode: 'uefi-preferred',
    platformDetails: 'Linux/UNIX',
  };
}

export function volumeXml(v: Volume, world: Ec2World): XmlValue {
  return {
    volumeId: v.id,
    size: v.size,
    snapshotId: 'snap-0123456789abcdef0',
    availabilityZone: v.availabilityZone,
    status: v.state,
    createTime: v.createTime,
    attachmentSet: v.instanceId
      ? [
          {
            volumeId: v.id,
            instanceId: v.instanceId,
            device: v.device,
            status: 'attached',
            attachTime: v.createTime,
            deleteOnTermination: v.deleteOnTermination,
          },
        ]
      : [],
    volumeType: v.volumeType,
    iops: 3000,
    throughput: 125,
    encrypted: false,
    multiAttachEnabled: false,
    tagSet: tagSet(v.tags),
    ownerId: world.account,
  };
}

/** A reservation as DescribeInstances and RunInstances answer it. */
export function reservationXml(
  reservationId: string,
  instances: Instance[],
  world: Ec2World,
): Record<string, XmlValue> {
  return {
    reservationId,
    ownerId: world.account,
    groupSet: [],
    instancesSet: instances.map((i) => instanceXml(i, world)),
  };
}
