import { randomBytes } from 'node:crypto';
import { AwsError } from './awsError';
import type { Architecture, Image } from './images';

/** The EC2 world: every resource of every region in one map by id, as EC2 ids are unique per account. */

interface Base {
  id: string;
  region: string;
  tags: Map<string, string>;
}

export interface Vpc extends Base {
  kind: 'vpc';
  cidr: string;
}

export interface Subnet extends Base {
  kind: 'subnet';
  vpcId: string;
  cidr: string;
  availabilityZone: string;
  mapPublicIpOnLaunch: boolean;
  /** Host numbers given out; AWS keeps the first four and the last address of every subnet. */
  usedHosts: Set<number>;
}

export interface InternetGateway extends Base {
  kind: 'internet-gateway';
  vpcId?: string;
}

export interface Route {
  destination: string;
  gatewayId: string;
  origin: 'CreateRouteTable' | 'CreateRoute';
}

export interface RouteTableAssociation {
  id: string;
  subnetId?: string;
  main: boolean;
}

export interface RouteTable extends Base {
  kind: 'route-table';
  vpcId: string;
  main: boolean;
  routes: Route[];
  associations: RouteTableAssociation[];
}

/** One rule with one source; EC2 groups them by protocol and ports when it describes a group. */
export interface Rule {
  id: string;
  protocol: string;
  fromPort?: number;
  toPort?: number;
  cidr?: string;
  groupId?: string;
  description?: string;
}

export interface SecurityGroup extends Base {
  kind: 'security-group';
  vpcId: string;
  name: string;
  description: string;
  ingress: Rule[];
  egress: Rule[];
}

export type InstanceStateName =
  | 'pending'
  | 'running'
  | 'shutting-down'
  | 'terminated'
  | 'stopping'
  | 'stopped';

export const instanceStateCodes: Record<InstanceStateName, number> = {
  pending: 0,
  running: 16,
  'shutting-down': 32,
  terminated: 48,
  stopping: 64,
  stopped: 80,
};

export interface Instance extends Base {
  kind: 'instance';
  reservationId: string;
  imageId: string;
  instanceType: string;
  architecture: Architecture;
  subnetId: string;
  vpcId: string;
  availabilityZone: string;
  groupIds: string[];
  privateIp: string;
  publicIp?: string;
  keyName?: string;
  state: InstanceStateName;
  stateReason?: string;
  launchTime: Date;
  launchIndex: number;
  clientToken?: string;
  rootDeviceName: string;
  rootVolumeId: string;
  userData?: string;
}

export interface Volume extends Base {
  kind: 'volume';
  size: number;
  volumeType: string;
  availabilityZone: string;
  state: 'in-use' | 'available';
  instanceId?: string;
  device?: string;
  deleteOnTermination: boolean;
  createTime: Date;
}

export type Ec2Resource = Vpc | Subnet | InternetGateway | RouteTable | SecurityGroup | Instance | Volume;
export type Ec2Kind = Ec2Resource['kind'];
type OfKind<K extends Ec2Kind> = Extract<Ec2Resource, { kind: K }>;

const prefixes: Record<Ec2Kind, string> = {
  vpc: 'vpc',
  subnet: 'subnet',
  'internet-gateway': 'igw',
  'route-table': 'rtb',
  'security-group': 'sg',
  instance: 'i',
  volume: 'vol',
};

/** What EC2 says about an id it does not know, per type: [code stem, noun in the message]. */
const notFound: Record<Ec2Kind, [string, (id: string) => string]> = {
  vpc: ['InvalidVpcID', (id) => `The vpc ID '${id}' does not exist`],
  subnet: ['InvalidSubnetID', (id) => `The subnet ID '${id}' does not exist`],
  'internet-gateway': ['InvalidInternetGatewayID', (id) => `The internetGateway ID '${id}' does not exist`],
  'route-table': ['InvalidRouteTableID', (id) => `The routeTable ID '${id}' does not exist`],
  'security-group': ['InvalidGroup', (id) => `The security group '${id}' does not exist`],
  instance: ['InvalidInstanceID', (id) => `The instance ID '${id}' does not exist`],
  volume: ['InvalidVolume', (id) => `The volume '${id}' does not exist.`],
};

const malformedCodes: Record<Ec2Kind, string> = {
  vpc: 'InvalidVpcID.Malformed',
  subnet: 'InvalidSubnetID.Malformed',
  'internet-gateway': 'InvalidInternetGatewayID.Malformed',
  'route-table': 'InvalidRouteTableID.Malformed',
  'security-group': 'InvalidGroupId.Malformed',
  instance: 'InvalidInstanceID.Malformed',
  volume: 'InvalidVolumeID.Malformed',
};

export function kindOfId(id: string): Ec2Kind | undefined {
  const prefix = id.slice(0, id.indexOf('-'));
  return (Object.keys(prefixes) as Ec2Kind[]).find((k) => prefixes[k] === prefix);
}

export function notFoundError(kind: Ec2Kind, id: string): AwsError {
  const [stem, message] = notFound[kind];
  return new AwsError(`${stem}.NotFound`, message(id));
}

export interface KeyPair {
  id: string;
  name: string;
  region: string;
}

export class Ec2World {
  readonly items = new Map<string, Ec2Resource>();
  /** `region/action/token` -> what the first call made and the parameters it was made with. */
  readonly clientTokens = new Map<string, { fingerprint: string; ids: string[] }>();

  constructor(
    readonly account: string,
    readonly regions: string[],
    readonly images: (region: string) => Image[],
    readonly keyPairs: KeyPair[],
  ) {}

  newId(kind: Ec2Kind | 'r' | 'rtbassoc' | 'sgr'): string {
    const prefix = kind in prefixes ? prefixes[kind as Ec2Kind] : kind;
    return `${prefix}-${randomBytes(9).toString('hex').slice(0, 17)}`;
  }

  add<R extends Ec2Resource>(r: R): R {
    this.items.set(r.id, r);
    return r;
  }

  remove(id: string): void {
    this.items.delete(id);
  }

  all<K extends Ec2Kind>(kind: K, region: string): OfKind<K>[] {
    return [...this.items.values()].filter((r): r is OfKind<K> => r.kind === kind && r.region === region);
  }

  find<K extends Ec2Kind>(kind: K, region: string, id: string): OfKind<K> | undefined {
    const r = this.items.get(id);
    return r && r.kind === kind && r.region === region ? (r as OfKind<K>) : undefined;
  }

  /** The resource, or the error EC2 gives for that id: `.Malformed` for a wrong shape, `.NotFound` otherwise. */
  get<K extends Ec2Kind>(kind: K, region: string, id: string): OfKind<K> {
    if (!new RegExp(`^${prefixes[kind]}-([0-9a-f]{8}|[0-9a-f]{17})$`).test(id))
      throw new AwsError(malformedCodes[kind], `Invalid id: "${id}"`);
    const r = this.find(kind, region, id);
    if (!r) throw notFoundError(kind, id);
    return r;
  }

  /** `Describe*` with an id list: every id must exist (AWS names the missing ones), in the order asked. */
  byIds<K extends Ec2Kind>(kind: K, region: string, ids: string[]): OfKind<K>[] | undefined {
    if (ids.length === 0) return undefined;
    const missing = ids.filter((id) => !this.find(kind, region, id));
    if (missing.length > 1 && kind === 'instance') {
      throw new AwsError(
        'InvalidInstanceID.NotFound',
        `The instance IDs '${missing.join(', ')}' do not exist`,
      );
    }
    for (const id of ids) this.get(kind, region, id);
    return [...new Set(ids)].map((id) => this.find(kind, region, id)!);
  }

  image(region: string, id: string): Image | undefined {
    return this.images(region).find((i) => i.id === id);
  }

  /**
   * Time passing, as seen by the next DescribeInstances in the region: a launched instance is running, a
   * terminating one terminated (its DeleteOnTermination volumes gone), a stopping one stopped.
   */
  settleInstances(region: string): void {
    for (const i of this.all('instance', region)) {
      if (i.state === 'pending') i.state = 'running';
      else if (i.state === 'stopping') i.state = 'stopped';
      else if (i.state === 'shutting-down') {
        i.state = 'terminated';
        const root = this.find('volume', region, i.rootVolumeId);
        if (root?.deleteOnTermination) this.remove(root.id);
        else if (root) Object.assign(root, { state: 'available', instanceId: undefined, device: undefined });
      }
    }
  }

  reset(): void {
    this.items.clear();
    this.clientTokens.clear();
  }
}
