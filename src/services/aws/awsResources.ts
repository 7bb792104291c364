import type {
  Instance,
  InternetGateway,
  IpPermission,
  KeyPairInfo,
  RouteTable,
  SecurityGroup,
  Subnet,
  Volume,
  Vpc,
} from '@aws-sdk/client-ec2';
import { projectTag, type Resource, tagsToRecord } from '../../domain/resource';

/** Turns EC2's shapes into `Resource`s: one function per type, no calls. */

function base(tags: Record<string, string>) {
  return { name: tags.Name || undefined, project: tags[projectTag] || undefined, tags };
}

function time(d: Date | string | undefined): number | undefined {
  if (!d) return undefined;
  const t = new Date(d).getTime();
  return Number.isNaN(t) ? undefined : t;
}

function defined(...ids: (string | undefined)[]): string[] {
  return ids.filter((id): id is string => Boolean(id));
}

export function instanceResource(i: Instance, region: string): Resource {
  const tags = tagsToRecord(i.Tags);
  return {
    type: 'instance',
    id: i.InstanceId ?? '',
    region,
    ...base(tags),
    state: i.State?.Name,
    createdAt: time(i.LaunchTime),
    detail: [i.InstanceType, i.PrivateIpAddress].filter(Boolean).join(' '),
    refs: {
      vpc: i.VpcId,
      subnet: i.SubnetId,
      securityGroups: defined(...(i.SecurityGroups ?? []).map((g) => g.GroupId)),
      volumes: defined(...(i.BlockDeviceMappings ?? []).map((b) => b.Ebs?.VolumeId)),
      keyPair: i.KeyName,
    },
    raw: i as Record<string, unknown>,
  };
}

export function vpcResource(v: Vpc, region: string): Resource {
  const tags = tagsToRecord(v.Tags);
  return {
    type: 'vpc',
    id: v.VpcId ?? '',
    region,
    ...base(tags),
    state: v.State,
    detail: `${v.CidrBlock ?? ''}${v.IsDefault ? ' default' : ''}`,
    refs: {},
    raw: v as Record<string, unknown>,
  };
}

export function subnetResource(s: Subnet, region: string): Resource {
  const tags = tagsToRecord(s.Tags);
  return {
    type: 'subnet',
    id: s.SubnetId ?? '',
    region,
    ...base(tags),
    state: s.State,
    detail:
      `${s.CidrBlock ?? ''} ${s.AvailabilityZone ?? ''}${s.MapPublicIpOnLaunch ? ' public' : ''}`.trim(),
    refs: { vpc: s.VpcId },
    raw: s as Record<string, unknown>,
  };
}

function referencedGroups(rules: IpPermission[] | undefined): string[] {
  return (rules ?? []).flatMap((p) => defined(...(p.UserIdGroupPairs ?? []).map((g) => g.GroupId)));
}

export function securityGroupResource(g: SecurityGroup, region: string): Resource {
  const tags = tagsToRecord(g.Tags);
  const inbound = g.IpPermissions?.length ?? 0;
  const refs = [
    ...new Set([...referencedGroups(g.IpPermissions), ...referencedGroups(g.IpPermissionsEgress)]),
  ];
  return {
    type: 'security-group',
    id: g.GroupId ?? '',
    region,
    ...base(tags),
    name: tags.Name || g.GroupName,
    detail: `${g.GroupName ?? ''} ${inbound} inbound rule${inbound === 1 ? '' : 's'}`.trim(),
    refs: { vpc: g.VpcId, securityGroups: refs.filter((id) => id !== g.GroupId) },
    implicit: g.GroupName === 'default' ? true : undefined,
    raw: g as Record<string, unknown>,
  };
}

export function internetGatewayResource(g: InternetGateway, region: string): Resource {
  const tags = tagsToRecord(g.Tags);
  const vpc = g.Attachments?.find((a) => a.VpcId)?.VpcId;
  return {
    type: 'internet-gateway',
    id: g.InternetGatewayId ?? '',
    region,
    ...base(tags),
    state: vpc ? 'attached' : 'detached',
    detail: vpc ?? 'detached',
    refs: { vpc },
    raw: g as Record<string, unknown>,
  };
}

export function routeTableResource(t: RouteTable, region: string): Resource {
  const tags = tagsToRecord(t.Tags);
  const main = Boolean(t.Associations?.some((a) => a.Main));
  const gateways = [
    ...new Set(defined(...(t.Routes ?? []).map((r) => r.GatewayId)).filter((g) => g.startsWith('igw-'))),
  ];
  const subnets = defined(...(t.Associations ?? []).map((a) => a.SubnetId));
  const routes = t.Routes?.length ?? 0;
  return {
    type: 'route-table',
    id: t.RouteTableId ?? '',
    region,
    ...base(tags),
    detail: `${main ? 'main ' : ''}${routes} route${routes === 1 ? '' : 's'}, ${subnets.length} subnet${subnets.length === 1 ? '' : 's'}`,
    refs: { vpc: t.VpcId, subnets, internetGateways: gateways },
    implicit: main ? true : undefined,
    raw: t as Record<string, unknown>,
  };
}

export function volumeResource(v: Volume, region: string): Resource {
  const tags = tagsToRecord(v.Tags);
  return {
    type: 'volume',
    id: v.VolumeId ?? '',
    region,
    ...base(tags),
    state: v.State,
    createdAt: time(v.CreateTime),
    detail: `${v.Size ?? '?'} GiB ${v.VolumeType ?? ''}`.trim(),
    refs: { instance: v.Attachments?.find((a) => a.InstanceId)?.InstanceId },
    raw: v as Record<string, unknown>,
  };
}

export function keyPairResource(k: KeyPairInfo, region: string): Resource {
  const tags = tagsToRecord(k.Tags);
  return {
    type: 'key-pair',
    id: k.KeyPairId ?? k.KeyName ?? '',
    region,
    ...base(tags),
    name: k.KeyName,
    createdAt: time(k.CreateTime),
    detail: k.KeyType ?? '',
    refs: {},
    raw: k as Record<string, unknown>,
  };
}

/** GetBucketLocation says `null`/empty for us-east-1 and `EU` for the oldest Irish buckets. */
export function bucketRegion(locationConstraint: string | undefined | null): string {
  if (!locationConstraint) return 'us-east-1';
  if (locationConstraint === 'EU') return 'eu-west-1';
  return locationConstraint;
}

export function bucketResource(
  b: { Name?: string; CreationDate?: Date },
  region: string,
  tags: Record<string, string>,
): Resource {
  return {
    type: 'bucket',
    id: b.Name ?? '',
    region,
    ...base(tags),
    name: b.Name,
    createdAt: time(b.CreationDate),
    detail: region,
    refs: {},
    raw: { Name: b.Name, CreationDate: b.CreationDate, BucketRegion: region },
  };
}
