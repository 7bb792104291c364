import { AwsError } from './awsError';
import type {
  Ec2Resource,
  Instance,
  InternetGateway,
  RouteTable,
  SecurityGroup,
  Subnet,
  Volume,
  Vpc,
} from './ec2Model';
import type { QueryParams } from './queryParams';

type Values<R> = (r: R) => (string | number | boolean | undefined)[];

/** The filter names each Describe call accepts (a subset of EC2's), and what each one looks at. */
const byKind: { [K in Ec2Resource['kind']]: Record<string, Values<Extract<Ec2Resource, { kind: K }>>> } = {
  vpc: {
    'vpc-id': (v: Vpc) => [v.id],
    'cidr-block': (v) => [v.cidr],
    cidr: (v) => [v.cidr],
    'cidr-block-association.cidr-block': (v) => [v.cidr],
    state: () => ['available'],
    'is-default': () => [false],
  },
  subnet: {
    'subnet-id': (s: Subnet) => [s.id],
    'vpc-id': (s) => [s.vpcId],
    'cidr-block': (s) => [s.cidr],
    'availability-zone': (s) => [s.availabilityZone],
    'map-public-ip-on-launch': (s) => [s.mapPublicIpOnLaunch],
    'default-for-az': () => [false],
    state: () => ['available'],
  },
  'internet-gateway': {
    'internet-gateway-id': (g: InternetGateway) => [g.id],
    'attachment.vpc-id': (g) => [g.vpcId],
    'attachment.state': (g) => [g.vpcId ? 'available' : undefined],
  },
  'route-table': {
    'route-table-id': (t: RouteTable) => [t.id],
    'vpc-id': (t) => [t.vpcId],
    'association.subnet-id': (t) => t.associations.map((a) => a.subnetId),
    'association.route-table-association-id': (t) => t.associations.map((a) => a.id),
    'association.main': (t) => [t.main],
    'route.gateway-id': (t) => t.routes.map((r) => r.gatewayId),
    'route.destination-cidr-block': (t) => t.routes.map((r) => r.destination),
  },
  'security-group': {
    'group-id': (g: SecurityGroup) => [g.id],
    'group-name': (g) => [g.name],
    'vpc-id': (g) => [g.vpcId],
    description: (g) => [g.description],
    'ip-permission.group-id': (g) => g.ingress.map((r) => r.groupId),
    'ip-permission.cidr': (g) => g.ingress.map((r) => r.cidr),
    'egress.ip-permission.group-id': (g) => g.egress.map((r) => r.groupId),
    'egress.ip-permission.cidr': (g) => g.egress.map((r) => r.cidr),
  },
  instance: {
    'instance-id': (i: Instance) => [i.id],
    'instance-state-name': (i) => [i.state],
    'instance-type': (i) => [i.instanceType],
    'image-id': (i) => [i.imageId],
    'subnet-id': (i) => [i.subnetId],
    'vpc-id': (i) => [i.vpcId],
    'private-ip-address': (i) => [i.privateIp],
    'key-name': (i) => [i.keyName],
    'reservation-id': (i) => [i.reservationId],
    'client-token': (i) => [i.clientToken],
    'instance.group-id': (i) => i.groupIds,
    'availability-zone': (i) => [i.availabilityZone],
  },
  volume: {
    'volume-id': (v: Volume) => [v.id],
    status: (v) => [v.state],
    size: (v) => [v.size],
    'volume-type': (v) => [v.volumeType],
    'availability-zone': (v) => [v.availabilityZone],
    'attachment.instance-id': (v) => [v.instanceId],
    'attachment.delete-on-termination': (v) => [v.instanceId ? v.deleteOnTermination : undefined],
  },
};

/** EC2 filter values take `*` and `?` wildcards. */
function glob(pattern: string): RegExp {
  const body = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${body}$`, 's');
}

export interface Filter {
  name: string;
  values: string[];
}

export function readFilters(params: QueryParams): Filter[] {
  return params.list('Filter').map((f) => ({ name: f.required('Name'), values: f.strings('Value') }));
}

function tagValues(tags: Map<string, string>, name: string): string[] | undefined {
  if (name === 'tag-key') return [...tags.keys()];
  if (name === 'tag-value') return [...tags.values()];
  if (name.startsWith('tag:')) {
    const v = tags.get(name.slice(4));
    return v === undefined ? [] : [v];
  }
  return undefined;
}

/** Values a filter sees on something that has tags and named attributes (key pairs, images). */
export function matchesFilters(
  filters: Filter[],
  values: (name: string) => (string | number | boolean | undefined)[] | undefined,
): boolean {
  return filters.every((f) => {
    const have = values(f.name);
    if (have === undefined) throw new AwsError('InvalidParameterValue', `The filter '${f.name}' is invalid`);
    const patterns = f.values.map(glob);
    return have.some((v) => v !== undefined && patterns.some((p) => p.test(String(v))));
  });
}

/** The resources the filters let through; an unknown filter name is refused even when nothing would match. */
export function applyFilters<R extends Ec2Resource>(kind: R['kind'], items: R[], filters: Filter[]): R[] {
  const known = byKind[kind] as Record<string, Values<R>>;
  for (const f of filters) {
    if (!tagValues(new Map(), f.name) && !known[f.name])
      throw new AwsError('InvalidParameterValue', `The filter '${f.name}' is invalid`);
  }
  return items.filter((r) => matchesFilters(filters, (name) => tagValues(r.tags, name) ?? known[name]?.(r)));
}
