import { projectTag, type Resource } from '../../domain/resource';

/** The demo account's regions, in the order `regions: N` takes them. */
export const demoRegionNames = [
  'us-east-1',
  'us-west-2',
  'eu-west-1',
  'eu-central-1',
  'ap-southeast-1',
  'ap-northeast-1',
  'us-east-2',
  'us-west-1',
  'ca-central-1',
  'eu-west-2',
  'eu-west-3',
  'eu-north-1',
  'eu-south-1',
  'ap-south-1',
  'ap-southeast-2',
  'ap-northeast-2',
  'sa-east-1',
  'me-south-1',
  'af-south-1',
  'ap-east-1',
];

/** Round-trip times of one API call as seen from Europe, roughly. */
export const defaultDemoLatencyMs: Record<string, number> = {
  'us-east-1': 90,
  'us-east-2': 95,
  'us-west-1': 150,
  'us-west-2': 140,
  'ca-central-1': 100,
  'eu-west-1': 30,
  'eu-west-2': 25,
  'eu-west-3': 30,
  'eu-central-1': 20,
  'eu-north-1': 40,
  'eu-south-1': 35,
  'ap-south-1': 130,
  'ap-southeast-1': 180,
  'ap-southeast-2': 280,
  'ap-northeast-1': 230,
  'ap-northeast-2': 240,
  'sa-east-1': 210,
  'me-south-1': 120,
  'af-south-1': 170,
  'ap-east-1': 220,
};

export const demoProjects = ['web', 'data', 'ci'] as const;

/** A fixed epoch so the same seed gives the same creation times on any day. */
const demoEpoch = Date.UTC(2025, 5, 1);
const day = 86_400_000;

export interface DemoBucket {
  resource: Resource;
  /** Object versions in the bucket. */
  objects: number;
  /** Objects put by name (`DemoCloud.putObject`): the only keys `objectExists` finds. */
  keys?: string[];
}

export interface DemoState {
  /** region -> id -> resource */
  regions: Map<string, Map<string, Resource>>;
  buckets: Map<string, DemoBucket>;
}

/** EC2's `StateTransitionReason` of an instance a user stopped at `at` (epoch ms). */
export function stoppedReason(at: number): string {
  return `User initiated (${new Date(Math.floor(at / 1000) * 1000).toISOString().replace('T', ' ').replace('.000Z', '')} GMT)`;
}

/** mulberry32: small, fast, and the same sequence for the same seed everywhere. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Makes AWS-looking ids (`i-0a1b…`), unique within the account. */
export class IdMaker {
  private readonly used = new Set<string>();
  constructor(private readonly random: () => number) {}
  next(prefix: string): string {
    for (;;) {
      let hex = '0';
      for (let i = 0; i < 16; i++) hex += Math.floor(this.random() * 16).toString(16);
      const id = `${prefix}-${hex}`;
      if (!this.used.has(id)) {
        this.used.add(id);
        return id;
      }
    }
  }
  claim(id: string): void {
    this.used.add(id);
  }
}

export interface DemoAccountOptions {
  seed: number;
  regions: string[];
  /** Multiplies the instances (and their volumes) of every project: 1 gives a few hundred resources in all. */
  scale: number;
}

interface ProjectShape {
  instanceTypes: string[];
  instances: [number, number];
  roles: string[];
  dataVolumeGiB?: number;
  stoppedShare: number;
}

const shapes: Record<(typeof demoProjects)[number], ProjectShape> = {
  web: {
    instanceTypes: ['t3.small', 't3.medium', 'm6i.large'],
    instances: [4, 8],
    roles: ['web', 'api'],
    stoppedShare: 0.1,
  },
  data: {
    instanceTypes: ['r6i.large', 'r6i.xlarge', 'm6i.xlarge'],
    instances: [3, 6],
    roles: ['etl', 'warehouse', 'kafka'],
    dataVolumeGiB: 500,
    stoppedShare: 0.15,
  },
  ci: {
    instanceTypes: ['c6i.large', 'c6i.xlarge', 't3.large'],
    instances: [2, 8],
    roles: ['runner'],
    stoppedShare: 0.5,
  },
};

/** Builds the demo account from its seed: the same options always give exactly the same resources. */
export function generateDemoAccount(options: DemoAccountOptions): { state: DemoState; ids: IdMaker } {
  const rnd = seededRandom(options.seed);
  const ids = new IdMaker(rnd);
  const int = (lo: number, hi: number) => lo + Math.floor(rnd() * (hi - lo + 1));
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rnd() * list.length)];
  const created = (maxDaysAgo: number) => demoEpoch - Math.floor(rnd() * maxDaysAgo * day);
  const regions = new Map<string, Map<string, Resource>>();
  const buckets = new Map<string, DemoBucket>();
  let vpcNumber = 0;

  options.regions.forEach((region, regionIndex) => {
    const rs = new Map<string, Resource>();
    regions.set(region, rs);
    const put = (r: Resource) => rs.set(r.id, r);
    const azs = ['a', 'b', 'c'].map((s) => `${region}${s}`);

    // Every region has its default VPC, as in a real account.
    const network = (cidrBase: string, project: string | undefined, isDefault: boolean) => {
      const tags: Record<string, string> = {};
      if (project) {
        tags.Name = `${project}-vpc`;
        tags[projectTag] = project;
        tags.team = project === 'ci' ? 'platform' : project;
      }
      const vpcCreated = created(700);
      const vpc: Resource = {
        type: 'vpc',
        id: ids.next('vpc'),
        name: tags.Name,
        region,
        state: 'available',
        project,
        createdAt: vpcCreated,
        detail: `${cidrBase}.0.0/16${isDefault ? ' default' : ''}`,
        tags,
        refs: {},
        raw: { CidrBlock: `${cidrBase}.0.0/16`, IsDefault: isDefault },
      };
      put(vpc);
      const withName = (name: string) => (project ? { ...tags, Name: `${project}-${name}` } : {});
      const igw: Resource = {
        type: 'internet-gateway',
        id: ids.next('igw'),
        name: project ? `${project}-igw` : undefined,
        region,
        state: 'attached',
        project,
        createdAt: vpcCreated,
        detail: vpc.id,
        tags: withName('igw'),
        refs: { vpc: vpc.id },
      };
      put(igw);
      const subnetCount = isDefault ? 3 : int(3, 4);
      const subnets: Resource[] = [];
      for (let i = 0; i < subnetCount; i++) {
        const isPublic = isDefault || i < 2;
        const cidr = `${cidrBase}.${i * 16}.0/20`;
        const subnet: Resource = {
          type: 'subnet',
          id: ids.next('subnet'),
          name: project ? `${project}-${isPublic ? 'public' : 'private'}-${azs[i % 3].slice(-1)}` : undefined,
          region,
          state: 'available',
          project,
          createdAt: vpcCreated,
          detail: `${cidr} ${azs[i % 3]}${isPublic ? ' public' : ''}`,
          tags: withName(`${isPublic ? 'public' : 'private'}-${azs[i % 3].slice(-1)}`),
          refs: { vpc: vpc.id },
          raw: { CidrBlock: cidr, AvailabilityZone: azs[i % 3], MapPublicIpOnLaunch: isPublic },
        };
        put(subnet);
        subnets.push(subnet);
      }
      put({
        type: 'route-table',
        id: ids.next('rtb'),
        region,
        project,
        createdAt: vpcCreated,
        detail: `main ${vpc.id}`,
        tags: project ? { [projectTag]: project } : {},
        refs: { vpc: vpc.id, internetGateways: isDefault ? [igw.id] : [], subnets: [] },
        implicit: true,
        raw: { Main: true, Routes: [{ DestinationCidrBlock: `${cidrBase}.0.0/16`, GatewayId: 'local' }] },
      });
      if (!isDefault) {
        const publicSubnets = subnets.filter((s) => s.raw?.MapPublicIpOnLaunch).map((s) => s.id);
        put({
          type: 'route-table',
          id: ids.next('rtb'),
          name: `${project}-public`,
          region,
          project,
          createdAt: vpcCreated,
          detail: `0.0.0.0/0 -> ${igw.id}`,
          tags: withName('public'),
          refs: { vpc: vpc.id, internetGateways: [igw.id], subnets: publicSubnets },
          raw: {
            Main: false,
            Routes: [
              { DestinationCidrBlock: `${cidrBase}.0.0/16`, GatewayId: 'local' },
              { DestinationCidrBlock: '0.0.0.0/0', GatewayId: igw.id },
            ],
          },
        });
      }
      const defaultGroup: Resource = {
        type: 'security-group',
        id: ids.next('sg'),
        name: 'default',
        region,
        project,
        createdAt: vpcCreated,
        detail: `default ${vpc.id}`,
        tags: project ? { [projectTag]: project } : {},
        refs: { vpc: vpc.id, securityGroups: [] },
        implicit: true,
        // The hand-made servers of every other default VPC have SSH open to the world, as old accounts do.
        raw: {
          GroupName: 'default',
          Ingress:
            isDefault && regionIndex % 2 === 0
              ? [{ protocol: 'tcp', fromPort: 22, toPort: 22, cidr: '0.0.0.0/0' }]
              : [],
        },
      };
      put(defaultGroup);
      return { vpc, subnets, defaultGroup, withName, tags };
    };

    const group = (
      net: ReturnType<typeof network>,
      project: string,
      name: string,
      ingress: { port: number; cidr?: string; groupId?: string }[],
    ): Resource => {
      const sg: Resource = {
        type: 'security-group',
        id: ids.next('sg'),
        name: `${project}-${name}`,
        region,
        project,
        createdAt: net.vpc.createdAt,
        detail: `${ingress.length} inbound rule${ingress.length === 1 ? '' : 's'}`,
        tags: net.withName(name),
        refs: { vpc: net.vpc.id, securityGroups: ingress.flatMap((r) => (r.groupId ? [r.groupId] : [])) },
        raw: {
          GroupName: `${project}-${name}`,
          Ingress: ingress.map((r) => ({
            protocol: 'tcp',
            fromPort: r.port,
            toPort: r.port,
            cidr: r.cidr,
            groupId: r.groupId,
          })),
        },
      };
      put(sg);
      return sg;
    };

    const instance = (
      subnet: Resource,
      groups: Resource[],
      type: string,
      tags: Record<string, string>,
      state: string,
      keyPair: string | undefined,
      dataVolumeGiB?: number,
    ) => {
      const id = ids.next('i');
      const az = String(subnet.raw?.AvailabilityZone);
      const cidr = String(subnet.raw?.CidrBlock);
      const privateIp = `${cidr.split('.').slice(0, 2).join('.')}.${Number(cidr.split('.')[2]) + int(0, 15)}.${int(4, 250)}`;
      const publicIp =
        subnet.raw?.MapPublicIpOnLaunch && state === 'running'
          ? `${pick([3, 18, 34, 52, 54])}.${int(0, 255)}.${int(0, 255)}.${int(1, 254)}`
          : undefined;
      const launched = created(400);
      const volumes: string[] = [];
      const volume = (size: number, root: boolean) => {
        const v: Resource = {
          type: 'volume',
          id: ids.next('vol'),
          name: tags.Name ? `${tags.Name}-${root ? 'root' : 'data'}` : undefined,
          region,
          state: 'in-use',
          project: tags[projectTag],
          createdAt: launched,
          detail: `${size} GiB gp3`,
          tags: tags.Name ? { ...tags, Name: `${tags.Name}-${root ? 'root' : 'data'}` } : {},
          refs: { instance: id },
          raw: { Size: size, VolumeType: 'gp3', AvailabilityZone: az, DeleteOnTermination: root },
        };
        put(v);
        volumes.push(v.id);
      };
      volume(pick([8, 16, 30, 50]), true);
      if (dataVolumeGiB) volume(dataVolumeGiB, false);
      put({
        type: 'instance',
        id,
        name: tags.Name,
        region,
        state,
        project: tags[projectTag],
        createdAt: launched,
        detail: `${type} ${privateIp}`,
        tags,
        refs: {
          vpc: subnet.refs.vpc,
          subnet: subnet.id,
          securityGroups: groups.map((g) => g.id),
          volumes,
          keyPair,
        },
        raw: {
          InstanceType: type,
          PrivateIpAddress: privateIp,
          PublicIpAddress: publicIp,
          ImageId: ids.next('ami'),
          AvailabilityZone: az,
          // As EC2 says it; halfway between launch and the demo epoch, so the advisor finds long-stopped servers.
          ...(state === 'stopped'
            ? { StateTransitionReason: stoppedReason((launched + demoEpoch) / 2) }
            : {}),
        },
      });
    };

    const defaults = network('172.31', undefined, true);
    // Old hand-made servers without a project tag, as every account has.
    for (let i = 0, n = int(0, 2); i < n; i++) {
      instance(
        pick(defaults.subnets),
        [defaults.defaultGroup],
        pick(['t2.micro', 't3.micro']),
        { Name: `legacy-${i + 1}` },
        pick(['running', 'stopped']),
        undefined,
      );
    }
    for (let i = 0, n = int(0, 2); i < n; i++) {
      const size = pick([20, 100, 250]);
      put({
        type: 'volume',
        id: ids.next('vol'),
        region,
        state: 'available',
        createdAt: created(600),
        detail: `${size} GiB gp2`,
        tags: {},
        refs: {},
        raw: { Size: size, VolumeType: 'gp2', AvailabilityZone: pick(azs), DeleteOnTermination: false },
      });
    }

    const projects = demoProjects.filter((_, i) => i === regionIndex % 3 || rnd() < 0.35);
    for (const project of projects) {
      const shape = shapes[project];
      vpcNumber++;
      const net = network(`10.${vpcNumber % 256}`, project, false);
      const keyName = `${project}-deploy`;
      put({
        type: 'key-pair',
        id: ids.next('key'),
        name: keyName,
        region,
        project,
        createdAt: net.vpc.createdAt,
        detail: 'ed25519',
        tags: { [projectTag]: project },
        refs: {},
        raw: { KeyName: keyName, KeyType: 'ed25519' },
      });
      const front = group(net, project, shape.roles[0], [
        { port: 443, cidr: '0.0.0.0/0' },
        { port: 22, cidr: '10.0.0.0/8' },
      ]);
      const groups = [front];
      if (project === 'data') {
        // Two groups allowing each other: a cycle the delete has to break by revoking rules first.
        const etl = group(net, project, 'ingest', [{ port: 9092, cidr: '10.0.0.0/8' }]);
        const warehouse = group(net, project, 'lake', [{ port: 5439, groupId: etl.id }]);
        const ingress = etl.raw!.Ingress as unknown[];
        ingress.push({ protocol: 'tcp', fromPort: 9092, toPort: 9092, groupId: warehouse.id });
        etl.refs.securityGroups = [warehouse.id];
        etl.detail = '2 inbound rules';
        groups.push(etl, warehouse);
      } else {
        groups.push(group(net, project, 'db', [{ port: 5432, groupId: front.id }]));
      }
      const count = Math.max(1, Math.round(int(shape.instances[0], shape.instances[1]) * options.scale));
      for (let i = 0; i < count; i++) {
        const role = shape.roles[i % shape.roles.length];
        const tags = { ...net.tags, Name: `${project}-${role}-${i + 1}`, role };
        const subnet =
          role === 'web' || role === 'runner'
            ? net.subnets[i % 2]
            : net.subnets[2 + (i % (net.subnets.length - 2))];
        const sg =
          groups[
            Math.min(groups.length - 1, i % shape.roles.length === 0 ? 0 : 1 + (i % (groups.length - 1)))
          ];
        instance(
          subnet,
          [sg],
          pick(shape.instanceTypes),
          tags,
          rnd() < shape.stoppedShare ? 'stopped' : 'running',
          keyName,
          shape.dataVolumeGiB,
        );
      }

      for (const purpose of ['artifacts', 'logs', 'backups'].slice(0, int(1, 3))) {
        const name = `${project}-${purpose}-${region}-${ids.next('b').slice(-6)}`;
        const objects = purpose === 'backups' && rnd() < 0.4 ? 0 : int(0, 4000);
        buckets.set(name, {
          objects,
          resource: {
            type: 'bucket',
            id: name,
            name,
            region,
            project,
            createdAt: created(500),
            detail: objects === 0 ? 'empty' : `${objects} objects`,
            tags: { [projectTag]: project },
            refs: {},
            // Settings as a deploy reads them: logs unversioned, web's artifacts open (a static site, once).
            raw: {
              versioning: purpose !== 'logs',
              encryption: true,
              blockPublicAccess: !(project === 'web' && purpose === 'artifacts'),
            },
          },
        });
      }
    }
  });

  return { state: { regions, buckets }, ids };
}
