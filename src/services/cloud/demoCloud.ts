import { projectTag, type Resource, type ResourceType } from '../../domain/resource';
import {
  bucketNotEmptyError,
  CloudError,
  isRegionUnavailable,
  isStillInUse,
  isThrottling,
} from './cloudError';
import type {
  BucketSpec,
  CloudProvider,
  ConvergeReport,
  DeleteOptions,
  DeleteOutcome,
  Identity,
  InstanceStateChange,
  InstancesSpec,
  InstanceTargetState,
  InternetGatewaySpec,
  RouteTableSpec,
  SecurityGroupSpec,
  SecurityRule,
  Settings,
  SubnetSpec,
  Tags,
  VpcSpec,
  WaitOptions,
} from './cloudProvider';
import {
  type DemoBucket,
  type DemoState,
  defaultDemoLatencyMs,
  demoRegionNames,
  generateDemoAccount,
  type IdMaker,
  seededRandom,
} from './demoAccount';
import { defaultDependencyRetry, mapLimit, type RetryPolicy, sleep, withRetry } from './retry';
import { allowAllOut, describeRule, diffRules, missingTags } from './settingsDiff';

export const demoAccountId = '000000000000';

export interface DemoFaults {
  /** The next N calls (anywhere, or only in `throttleRegion`) fail with RequestLimitExceeded. */
  throttleCalls?: number;
  throttleRegion?: string;
  /** Regions that are listed but fail every call with OptInRequired, like a region not enabled. */
  failingRegions?: string[];
}

export interface DemoCloudOptions {
  seed?: number;
  /** How many regions (default 6, up to 20 named ones), or their names. */
  regions?: number | string[];
  /** Multiplies the instances per project: 1 gives a few hundred resources; 16 regions at 150 about 50,000 (seed 42). */
  scale?: number;
  /** Milliseconds per API call, per region; merged over the defaults (tens to hundreds of ms). */
  latencyMs?: Record<string, number>;
  /** Multiplies every latency and the default state transition time; 0 for tests. */
  latencyScale?: number;
  /** How long pending, stopping and shutting-down last (default 3 s times latencyScale). */
  transitionMs?: number;
  /** Items per page of a describe call (default 1000, as EC2's maximum). */
  pageSize?: number;
  faults?: DemoFaults;
  /** Retries of throttled calls, the SDK's adaptive retry in miniature (default 3 attempts). */
  retry?: RetryPolicy;
  /** Retries of a delete that meets DependencyViolation (default about two minutes, scaled). */
  dependencyRetry?: RetryPolicy;
  now?: () => number;
}

export interface DemoStats {
  calls: number;
  throttled: number;
  byOperation: Record<string, number>;
}

const terminatedRetentionMs = 3_600_000;

/**
 * A whole AWS-like account in memory: seeded, slow like the real thing, and faulty on request. Its calls
 * fail with AWS error codes and its state really changes (a VPC with subnets cannot be deleted), so every
 * screen and job runs on it unchanged.
 */
export class DemoCloud implements CloudProvider {
  readonly kind = 'demo' as const;
  readonly label = 'DEMO';
  readonly faults: DemoFaults;
  readonly stats: DemoStats = { calls: 0, throttled: 0, byOperation: {} };

  private readonly worldOptions: Parameters<typeof generateDemoAccount>[0];
  private generated: { state: DemoState; ids: IdMaker; images: Map<string, Set<string>> } | undefined;
  private readonly regionNames: string[];
  private readonly latency: Record<string, number>;
  private readonly latencyScale: number;
  private readonly transitionMs: number;
  private readonly pageSize: number;
  private readonly retry: RetryPolicy;
  private readonly dependencyRetry: RetryPolicy;
  private readonly now: () => number;
  private readonly random: () => number;
  /** Instance id -> the state it reaches, and when. */
  private readonly transitions = new Map<string, { region: string; to: string; at: number }>();
  private readonly terminatedAt = new Map<string, number>();
  private readonly clientTokens = new Map<string, string[]>();
  private readonly seed: number;

  constructor(options: DemoCloudOptions = {}) {
    const seed = options.seed ?? 42;
    const regions = options.regions ?? 6;
    this.regionNames = typeof regions === 'number' ? demoRegions(regions) : [...regions];
    this.faults = { failingRegions: [], ...options.faults };
    for (const r of this.faults.failingRegions ?? [])
      if (!this.regionNames.includes(r)) this.regionNames.push(r);
    this.worldOptions = {
      seed,
      regions: this.regionNames.filter((r) => !this.faults.failingRegions?.includes(r)),
      scale: options.scale ?? 1,
    };
    this.latency = { ...defaultDemoLatencyMs, ...options.latencyMs };
    this.latencyScale = options.latencyScale ?? 1;
    this.transitionMs = options.transitionMs ?? 3000 * this.latencyScale;
    this.pageSize = options.pageSize ?? 1000;
    this.retry = options.retry ?? { attempts: 3, baseMs: 100 * this.latencyScale, maxMs: 2000 };
    this.dependencyRetry = options.dependencyRetry ?? {
      attempts: defaultDependencyRetry.attempts,
      baseMs: defaultDependencyRetry.baseMs * this.latencyScale,
      maxMs: defaultDependencyRetry.maxMs * this.latencyScale,
    };
    this.now = options.now ?? Date.now;
    this.random = seededRandom(seed ^ 0x5eed);
    this.seed = seed;
  }

  /**
   * The account's resources, generated on first use rather than when the cloud opens: the console asks who
   * you are while it starts, and that needs none of them.
   */
  private get world(): NonNullable<DemoCloud['generated']> {
    if (!this.generated) {
      const { state, ids } = generateDemoAccount(this.worldOptions);
      const images = new Map<string, Set<string>>();
      for (const [region, rs] of state.regions) {
        const set = new Set<string>();
        for (const r of rs.values()) if (typeof r.raw?.ImageId === 'string') set.add(r.raw.ImageId);
        images.set(region, set);
      }
      this.generated = { state, ids, images };
    }
    return this.generated;
  }

  private get state(): DemoState {
    return this.world.state;
  }

  private get ids(): IdMaker {
    return this.world.ids;
  }

  /** region -> AMI ids that exist there: those of the seeded servers and those resolved from aliases. */
  private get images(): Map<string, Set<string>> {
    return this.world.images;
  }

  /** Milliseconds one call to this region takes. */
  latencyOf(region: string): number {
    return (this.latency[region] ?? this.latency['us-east-1'] ?? 50) * this.latencyScale;
  }

  async identity(signal?: AbortSignal): Promise<Identity> {
    // Answered without simulated latency: the console asks it while it starts, and a made-up wait would only
    // delay the DEMO label (scans and changes keep theirs).
    return this.call(
      'global',
      'sts:GetCallerIdentity',
      signal,
      () => ({
        kind: 'demo',
        account: demoAccountId,
        arn: `arn:aws:iam::${demoAccountId}:user/infradeck-demo (DEMO cloud, not AWS)`,
        userId: 'DEMO',
        region: this.regionNames[0],
      }),
      0,
    );
  }

  async listRegions(signal?: AbortSignal): Promise<string[]> {
    return this.call('global', 'ec2:DescribeRegions', signal, () => [...this.regionNames]);
  }

  async scanRegion(region: string, signal?: AbortSignal): Promise<Resource[]> {
    const types: ResourceType[] = [
      'instance',
      'vpc',
      'subnet',
      'security-group',
      'internet-gateway',
      'route-table',
      'volume',
      'key-pair',
    ];
    const perType = await Promise.all(
      types.map(async (type) => {
        const all = await this.call(region, `ec2:Describe:${type}`, signal, () => this.list(region, type));
        const out: Resource[] = all.slice(0, this.pageSize);
        // Further pages cost a call each, as NextToken does.
        for (let from = this.pageSize; from < all.length; from += this.pageSize) {
          await this.call(region, `ec2:Describe:${type}`, signal, () => undefined);
          out.push(...all.slice(from, from + this.pageSize));
        }
        return out;
      }),
    );
    return perType.flat();
  }

  async scanBuckets(signal?: AbortSignal): Promise<Resource[]> {
    const buckets = await this.call('global', 's3:ListBuckets', signal, () =>
      [...this.state.buckets.values()].map((b) => copyResource(b.resource)),
    );
    return buckets;
  }

  async describeInstances(region: string, ids: string[], signal?: AbortSignal): Promise<Resource[]> {
    return this.call(region, 'ec2:DescribeInstances', signal, () =>
      ids.flatMap((id) => {
        const r = this.regionMap(region).get(id);
        return r?.type === 'instance' ? [copyResource(r)] : [];
      }),
    );
  }

  async startInstances(region: string, ids: string[], signal?: AbortSignal): Promise<InstanceStateChange[]> {
    return this.call(region, 'ec2:StartInstances', signal, () =>
      this.changeInstances(region, ids, (r) => {
        if (r.state === 'stopped') return { now: 'pending', next: 'running' };
        if (r.state === 'stopping') throw incorrectState(r, 'started');
        return undefined;
      }),
    );
  }

  async stopInstances(region: string, ids: string[], signal?: AbortSignal): Promise<InstanceStateChange[]> {
    return this.call(region, 'ec2:StopInstances', signal, () =>
      this.changeInstances(region, ids, (r) => {
        if (r.state === 'running' || r.state === 'pending') return { now: 'stopping', next: 'stopped' };
        return undefined;
      }),
    );
  }

  async rebootInstances(region: string, ids: string[], signal?: AbortSignal): Promise<void> {
    await this.call(region, 'ec2:RebootInstances', signal, () => {
      for (const id of ids) {
        const r = this.liveInstance(region, id);
        if (r && r.state !== 'running') throw incorrectState(r, 'rebooted');
      }
    });
  }

  async instancesOfProject(
    project: string,
    options: { regions?: string[]; signal?: AbortSignal } = {},
  ): Promise<Resource[]> {
    const regions = options.regions ?? (await this.listRegions(options.signal));
    const found = await mapLimit(regions, 16, async (region) => {
      try {
        return await this.call(region, 'ec2:DescribeInstances', options.signal, () =>
          this.list(region, 'instance').filter(
            (r) => r.tags[projectTag] === project && r.state !== 'terminated' && r.state !== 'shutting-down',
          ),
        );
      } catch (err) {
        if (isRegionUnavailable(err)) return [];
        throw err;
      }
    });
    return found.flat();
  }

  async waitInstanceState(
    region: string,
    id: string,
    state: InstanceTargetState,
    options: WaitOptions = {},
  ): Promise<void> {
    const deadline = this.now() + (options.timeoutMs ?? 600_000);
    const poll = options.pollMs ?? Math.max(5, this.transitionMs / 4);
    for (;;) {
      const [r] = await this.describeInstances(region, [id], options.signal);
      if (!r) {
        if (state === 'terminated') return;
        throw new CloudError('InvalidInstanceID.NotFound', `The instance ID '${id}' does not exist`, {
          region,
        });
      }
      if (r.state === state) return;
      if (this.now() >= deadline) {
        throw new CloudError('WaiterTimeout', `${id} is ${r.state}, not ${state}, after waiting`, { region });
      }
      await sleep(poll, options.signal);
    }
  }

  async deleteResource(r: Resource, options: DeleteOptions): Promise<DeleteOutcome> {
    if (r.type === 'route-table' && !r.implicit) await this.disassociateAll(r, options.signal);
    return withRetry(() => this.deleteOnce(r, options), {
      ...this.dependencyRetry,
      retryOn: isStillInUse,
      signal: options.signal,
      random: this.random,
      onRetry: (err, attempt, delay) =>
        options.log?.(`${r.id}: ${(err as Error).message}; retry ${attempt} in ${delay} ms`),
    });
  }

  async revokeGroupReferences(
    region: string,
    groupId: string,
    referenced: string[],
    signal?: AbortSignal,
  ): Promise<number> {
    return this.call(region, 'ec2:RevokeSecurityGroupIngress', signal, () => {
      const sg = this.regionMap(region).get(groupId);
      if (!sg) throw notFound('security-group', groupId, region);
      const rules = (sg.raw?.Ingress as { groupId?: string }[] | undefined) ?? [];
      const kept = rules.filter((rule) => !rule.groupId || !referenced.includes(rule.groupId));
      sg.raw = { ...sg.raw, Ingress: kept };
      sg.refs.securityGroups = (sg.refs.securityGroups ?? []).filter((g) => !referenced.includes(g));
      sg.detail = `${kept.length} inbound rule${kept.length === 1 ? '' : 's'}`;
      return rules.length - kept.length;
    });
  }

  async findByTags(
    region: string,
    type: ResourceType,
    tags: Tags,
    signal?: AbortSignal,
  ): Promise<Resource[]> {
    const matches = (r: Resource) => Object.entries(tags).every(([k, v]) => r.tags[k] === v);
    if (type === 'bucket') {
      return this.call('global', 's3:ListBuckets', signal, () =>
        [...this.state.buckets.values()]
          .map((b) => b.resource)
          .filter((b) => b.region === region && matches(b))
          .map((b) => copyResource(b)),
      );
    }
    return this.call(region, `ec2:Describe:${type}`, signal, () =>
      this.list(region, type).filter((r) => matches(r) && r.state !== 'terminated'),
    );
  }

  async resolveImage(region: string, image: string, signal?: AbortSignal): Promise<string> {
    return this.call(
      region,
      image.startsWith('ssm:') ? 'ssm:GetParameter' : 'ec2:DescribeImages',
      signal,
      () => {
        const known = this.images.get(region) ?? new Set<string>();
        this.images.set(region, known);
        if (image.startsWith('ssm:')) {
          // Every AWS public parameter "exists" here, as a stable per-region id, like the real aliases.
          if (!image.startsWith('ssm:/aws/service/')) {
            throw new CloudError('ParameterNotFound', `${image} is not a public parameter in ${region}`, {
              region,
            });
          }
          const id = `ami-0${stableHex(`${this.seed}/${region}/${image}`, 16)}`;
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

  async createVpc(region: string, spec: VpcSpec, signal?: AbortSignal): Promise<Resource> {
    return this.call(region, 'ec2:CreateVpc', signal, () => {
      parseCidr(spec.cidr, 'the VPC CIDR');
      return this.add({
        type: 'vpc',
        id: this.ids.next('vpc'),
        region,
        state: 'available',
        detail: spec.cidr,
        tags: { ...spec.tags },
        refs: {},
        raw: { CidrBlock: spec.cidr, IsDefault: false },
      });
    }).then(async (vpc) => {
      // AWS makes the main route table and the default group with every VPC.
      await this.call(region, 'ec2:CreateVpc', signal, () => {
        this.add({
          type: 'route-table',
          id: this.ids.next('rtb'),
          region,
          detail: `main ${vpc.id}`,
          tags: {},
          refs: { vpc: vpc.id, internetGateways: [], subnets: [] },
          implicit: true,
          raw: { Main: true },
        });
        this.add({
          type: 'security-group',
          id: this.ids.next('sg'),
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

  async createSubnet(region: string, spec: SubnetSpec, signal?: AbortSignal): Promise<Resource> {
    return this.call(region, 'ec2:CreateSubnet', signal, () => {
      const vpc = this.expect(region, 'vpc', spec.vpcId);
      const [vpcBase, vpcBits] = parseCidr(String(vpc.raw?.CidrBlock ?? ''), 'the VPC CIDR');
      const [base, bits] = parseCidr(spec.cidr, 'the subnet CIDR');
      if (bits < vpcBits || (base & mask(vpcBits)) >>> 0 !== vpcBase) {
        throw new CloudError('InvalidSubnet.Range', `The CIDR '${spec.cidr}' is invalid for ${vpc.id}.`, {
          region,
        });
      }
      for (const other of this.list(region, 'subnet')) {
        if (other.refs.vpc !== vpc.id) continue;
        const [ob, obits] = parseCidr(String(other.raw?.CidrBlock), 'a subnet CIDR');
        const m = mask(Math.min(bits, obits));
        if ((ob & m) === (base & m)) {
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
      return this.add({
        type: 'subnet',
        id: this.ids.next('subnet'),
        region,
        state: 'available',
        detail: `${spec.cidr} ${az}`,
        tags: { ...spec.tags },
        refs: { vpc: vpc.id },
        raw: { CidrBlock: spec.cidr, AvailabilityZone: az, MapPublicIpOnLaunch: false },
      });
    });
  }

  async createInternetGateway(
    region: string,
    spec: InternetGatewaySpec,
    signal?: AbortSignal,
  ): Promise<Resource> {
    return this.call(region, 'ec2:CreateInternetGateway', signal, () =>
      this.add({
        type: 'internet-gateway',
        id: this.ids.next('igw'),
        region,
        state: 'detached',
        detail: 'detached',
        tags: { ...spec.tags },
        refs: {},
      }),
    );
  }

  async createRouteTable(region: string, spec: RouteTableSpec, signal?: AbortSignal): Promise<Resource> {
    return this.call(region, 'ec2:CreateRouteTable', signal, () => {
      const token = spec.clientToken && `${region}/rtb/${spec.clientToken}`;
      const earlier = token ? this.clientTokens.get(token) : undefined;
      if (earlier) {
        const r = this.regionMap(region).get(earlier[0]);
        if (r) return copyResource(r);
      }
      const vpc = this.expect(region, 'vpc', spec.vpcId);
      const r = this.add({
        type: 'route-table',
        id: this.ids.next('rtb'),
        region,
        detail: vpc.id,
        tags: { ...spec.tags },
        refs: { vpc: vpc.id, subnets: [], internetGateways: [] },
        raw: { Main: false },
      });
      if (token) this.clientTokens.set(token, [r.id]);
      return r;
    });
  }

  async createSecurityGroup(
    region: string,
    spec: SecurityGroupSpec,
    signal?: AbortSignal,
  ): Promise<Resource> {
    return this.call(region, 'ec2:CreateSecurityGroup', signal, () => {
      const vpc = this.expect(region, 'vpc', spec.vpcId);
      if (
        this.list(region, 'security-group').some(
          (g) => g.refs.vpc === vpc.id && g.raw?.GroupName === spec.name,
        )
      ) {
        throw new CloudError(
          'InvalidGroup.Duplicate',
          `The security group '${spec.name}' already exists for VPC '${vpc.id}'`,
          { region },
        );
      }
      return this.add({
        type: 'security-group',
        id: this.ids.next('sg'),
        name: spec.tags.Name ?? spec.name,
        region,
        detail: '0 inbound rules',
        tags: { ...spec.tags },
        refs: { vpc: vpc.id, securityGroups: [] },
        raw: { GroupName: spec.name, Description: spec.description, Ingress: [], Egress: [allowAllOut] },
      });
    });
  }

  async runInstances(region: string, spec: InstancesSpec, signal?: AbortSignal): Promise<Resource[]> {
    return this.call(region, 'ec2:RunInstances', signal, () => {
      // The same ClientToken returns the first call's instances: a retried deploy never doubles them.
      const token = `${region}/i/${spec.clientToken}`;
      const earlier = this.clientTokens.get(token);
      if (earlier)
        return earlier.flatMap((id) => this.regionMap(region).get(id) ?? []).map((r) => copyResource(r));
      if (!/^ami-[0-9a-f]{8,17}$/.test(spec.imageId)) {
        throw new CloudError('InvalidAMIID.Malformed', `Invalid id: "${spec.imageId}"`, { region });
      }
      if (!this.images.get(region)?.has(spec.imageId)) {
        throw new CloudError('InvalidAMIID.NotFound', `The image id '[${spec.imageId}]' does not exist`, {
          region,
        });
      }
      if (!Number.isInteger(spec.count) || spec.count < 1) {
        throw new CloudError('InvalidParameterValue', `count must be 1 or more, got ${spec.count}`, {
          region,
        });
      }
      const subnet = this.expect(region, 'subnet', spec.subnetId);
      for (const g of spec.securityGroupIds) this.expect(region, 'security-group', g);
      if (spec.keyName && !this.list(region, 'key-pair').some((k) => k.name === spec.keyName)) {
        throw new CloudError('InvalidKeyPair.NotFound', `The key pair '${spec.keyName}' does not exist`, {
          region,
        });
      }
      const created: Resource[] = [];
      for (let i = 0; i < spec.count; i++) {
        const id = this.ids.next('i');
        const vol = this.add({
          type: 'volume',
          id: this.ids.next('vol'),
          region,
          state: 'in-use',
          detail: `${spec.rootVolumeGiB ?? 8} GiB gp3`,
          tags: { ...spec.tags },
          refs: { instance: id },
          raw: { Size: spec.rootVolumeGiB ?? 8, VolumeType: 'gp3', DeleteOnTermination: true },
        });
        const cidr = String(subnet.raw?.CidrBlock ?? '10.0.0.0/24');
        const ip = `${cidr.split('.').slice(0, 3).join('.')}.${10 + Math.floor(this.random() * 200)}`;
        const r = this.add({
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
        this.transitions.set(id, { region, to: 'running', at: this.now() + this.transitionMs });
        created.push(r);
      }
      this.clientTokens.set(
        token,
        created.map((r) => r.id),
      );
      return created;
    });
  }

  async createBucket(spec: BucketSpec, signal?: AbortSignal): Promise<Resource> {
    return this.call('global', 's3:CreateBucket', signal, () => {
      if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(spec.name)) {
        throw new CloudError('InvalidBucketName', `The specified bucket "${spec.name}" is not valid.`);
      }
      if (this.state.buckets.has(spec.name)) {
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
        createdAt: this.now(),
        detail: 'empty',
        tags: {},
        refs: {},
        raw: { versioning: false, encryption: true, blockPublicAccess: true },
      };
      this.state.buckets.set(spec.name, { resource, objects: 0 });
      return copyResource(resource);
    });
  }

  async converge(
    r: Resource,
    settings: Settings,
    signal?: AbortSignal,
    fresh = false,
  ): Promise<ConvergeReport> {
    if (settings.type === 'bucket') return this.convergeBucket(r, settings, signal);
    const region = r.region;
    const now = fresh
      ? r
      : await this.call(region, `ec2:Describe:${r.type}`, signal, () =>
          copyResource(this.expect(region, r.type, r.id)),
        );
    const changes: string[] = [];
    // One call per change, like EC2: a deploy stopped between two of them leaves the rest for the next attempt.
    const change = (operation: string, what: string, work: (stored: Resource) => void) =>
      this.call(region, operation, signal, () => {
        work(this.expect(region, r.type, r.id));
        changes.push(what);
      });
    switch (settings.type) {
      case 'subnet':
        if (now.raw?.MapPublicIpOnLaunch !== settings.public)
          await change('ec2:ModifySubnetAttribute', `map public IP on launch: ${settings.public}`, (x) => {
            x.raw = { ...x.raw, MapPublicIpOnLaunch: settings.public };
            x.detail = `${x.raw.CidrBlock} ${x.raw.AvailabilityZone}${settings.public ? ' public' : ''}`;
          });
        break;
      case 'internet-gateway':
        if (now.refs.vpc !== settings.vpcId) {
          const taken = this.list(region, 'internet-gateway').find(
            (g) => g.refs.vpc === settings.vpcId && g.id !== r.id,
          );
          if (taken)
            throw new CloudError('Resource.AlreadyAssociated', `${settings.vpcId} already has ${taken.id}`, {
              region,
            });
          this.expect(region, 'vpc', settings.vpcId);
          await change('ec2:AttachInternetGateway', `attached to ${settings.vpcId}`, (x) => {
            x.refs = { ...x.refs, vpc: settings.vpcId };
            x.state = 'attached';
            x.detail = settings.vpcId;
          });
        }
        break;
      case 'route-table': {
        const gateways = settings.internetGatewayId ? [settings.internetGatewayId] : [];
        if (!sameList(now.refs.internetGateways ?? [], gateways)) {
          if (settings.internetGatewayId) this.expect(region, 'internet-gateway', settings.internetGatewayId);
          await change('ec2:CreateRoute', `route 0.0.0.0/0 -> ${gateways[0] ?? 'none'}`, (x) => {
            x.refs = { ...x.refs, internetGateways: gateways };
            x.detail = gateways[0] ? `0.0.0.0/0 -> ${gateways[0]}` : String(x.refs.vpc);
          });
        }
        for (const subnet of (now.refs.subnets ?? []).filter((id) => !settings.subnetIds.includes(id)))
          await change('ec2:DisassociateRouteTable', `subnet ${subnet} disassociated`, (x) => {
            x.refs = { ...x.refs, subnets: (x.refs.subnets ?? []).filter((id) => id !== subnet) };
          });
        for (const subnet of settings.subnetIds.filter((id) => !(now.refs.subnets ?? []).includes(id))) {
          this.expect(region, 'subnet', subnet);
          await change('ec2:AssociateRouteTable', `subnet ${subnet} associated`, (x) => {
            x.refs = { ...x.refs, subnets: [...(x.refs.subnets ?? []), subnet] };
          });
        }
        break;
      }
      case 'security-group':
        for (const side of ['Ingress', 'Egress'] as const) {
          const want = side === 'Ingress' ? settings.ingress : (settings.egress ?? [allowAllOut]);
          const have =
            (now.raw?.[side] as SecurityRule[] | undefined) ?? (side === 'Egress' ? [allowAllOut] : []);
          const diff = diffRules(have, want);
          if (diff.remove.length === 0 && diff.add.length === 0) continue;
          for (const rule of diff.add) if (rule.groupId) this.expect(region, 'security-group', rule.groupId);
          await change(
            `ec2:AuthorizeSecurityGroup${side}`,
            `${side.toLowerCase()}: ${want.map(describeRule).join(', ') || 'none'}`,
            (x) => {
              x.raw = { ...x.raw, [side]: want };
              const ingress = (x.raw.Ingress as SecurityRule[] | undefined) ?? [];
              const egress = (x.raw.Egress as SecurityRule[] | undefined) ?? [];
              x.refs = {
                ...x.refs,
                securityGroups: [
                  ...new Set([...ingress, ...egress].flatMap((rule) => (rule.groupId ? [rule.groupId] : []))),
                ],
              };
              x.detail = `${ingress.length} inbound rule${ingress.length === 1 ? '' : 's'}`;
            },
          );
        }
        break;
      case 'vpc':
      case 'instance':
        break;
    }
    const tagsToSet = missingTags(now.tags, settings.tags);
    if (Object.keys(tagsToSet).length > 0)
      await change('ec2:CreateTags', `tags set: ${Object.keys(tagsToSet).join(', ')}`, (x) => {
        x.tags = { ...x.tags, ...tagsToSet };
        x.name = x.tags.Name ?? x.name;
        x.project = x.tags[projectTag] ?? x.project;
      });
    return { resource: copyResource(this.expect(region, r.type, r.id)), changes };
  }

  private async convergeBucket(
    r: Resource,
    settings: Extract<Settings, { type: 'bucket' }>,
    signal?: AbortSignal,
  ): Promise<ConvergeReport> {
    const stored = () => {
      const b = this.state.buckets.get(r.id);
      if (!b) throw new CloudError('NoSuchBucket', `The specified bucket ${r.id} does not exist`);
      return b.resource;
    };
    const now = await this.call('global', 's3:GetBucket*', signal, () => copyResource(stored()));
    const changes: string[] = [];
    const change = (operation: string, what: string, work: (b: Resource) => void) =>
      this.call('global', operation, signal, () => {
        work(stored());
        changes.push(what);
      });
    const tagsToSet = missingTags(now.tags, settings.tags);
    if (Object.keys(tagsToSet).length > 0)
      await change('s3:PutBucketTagging', `tags set: ${Object.keys(tagsToSet).join(', ')}`, (b) => {
        b.tags = { ...b.tags, ...tagsToSet };
        b.project = b.tags[projectTag];
      });
    if (now.raw?.versioning !== settings.versioning)
      await change(
        's3:PutBucketVersioning',
        `versioning ${settings.versioning ? 'enabled' : 'suspended'}`,
        (b) => {
          b.raw = { ...b.raw, versioning: settings.versioning };
        },
      );
    if (settings.encryption && !now.raw?.encryption)
      await change('s3:PutBucketEncryption', 'default encryption AES256', (b) => {
        b.raw = { ...b.raw, encryption: true };
      });
    if (now.raw?.blockPublicAccess !== settings.blockPublicAccess)
      await change(
        settings.blockPublicAccess ? 's3:PutPublicAccessBlock' : 's3:DeletePublicAccessBlock',
        settings.blockPublicAccess ? 'public access blocked' : 'public access block removed',
        (b) => {
          b.raw = { ...b.raw, blockPublicAccess: settings.blockPublicAccess };
        },
      );
    return { resource: copyResource(stored()), changes };
  }

  async findBucket(name: string, signal?: AbortSignal): Promise<Resource | undefined> {
    return this.call('global', 's3:ListBuckets', signal, () => {
      const b = this.state.buckets.get(name);
      return b ? copyResource(b.resource) : undefined;
    });
  }

  /** DeleteRouteTable is refused while subnets are associated: they are disassociated first, as on AWS. */
  private async disassociateAll(r: Resource, signal?: AbortSignal): Promise<void> {
    await this.call(r.region, 'ec2:DisassociateRouteTable', signal, () => {
      const stored = this.regionMap(r.region).get(r.id);
      if (stored?.type === 'route-table') stored.refs = { ...stored.refs, subnets: [] };
    });
  }

  /** Adds objects to a demo bucket (for trying the delete confirmation). */
  putObjects(bucket: string, count: number): void {
    const b = this.state.buckets.get(bucket);
    if (!b) throw new CloudError('NoSuchBucket', `The specified bucket ${bucket} does not exist`);
    b.objects += count;
    b.resource.detail = b.objects === 0 ? 'empty' : `${b.objects} objects`;
  }

  /**
   * Everything this demo account holds, as JSON. With `importState` separate processes (the workers of a
   * multi-process test) act on one demo world, one at a time.
   */
  exportState(): string {
    return JSON.stringify({
      regions: [...this.state.regions].map(([region, byId]) => [region, [...byId.values()]]),
      buckets: [...this.state.buckets],
      transitions: [...this.transitions],
      terminatedAt: [...this.terminatedAt],
      clientTokens: [...this.clientTokens],
      images: [...this.images].map(([region, ids]) => [region, [...ids]]),
    });
  }

  importState(json: string): void {
    const saved = JSON.parse(json) as {
      regions: [string, Resource[]][];
      buckets: [string, DemoBucket][];
      transitions: [string, { region: string; to: string; at: number }][];
      terminatedAt: [string, number][];
      clientTokens: [string, string[]][];
      images: [string, string[]][];
    };
    this.state.regions.clear();
    for (const [region, resources] of saved.regions) {
      this.state.regions.set(region, new Map(resources.map((r) => [r.id, r])));
      for (const r of resources) this.ids.claim(r.id);
    }
    this.state.buckets.clear();
    for (const [name, bucket] of saved.buckets) this.state.buckets.set(name, bucket);
    for (const [target, entries] of [
      [this.transitions, saved.transitions],
      [this.terminatedAt, saved.terminatedAt],
      [this.clientTokens, saved.clientTokens],
    ] as const) {
      target.clear();
      for (const [key, value] of entries as [string, never][])
        (target as Map<string, unknown>).set(key, value);
    }
    this.images.clear();
    for (const [region, ids] of saved.images) this.images.set(region, new Set(ids));
  }

  /** Every resource as it is now, without latency or faults (tests and the benchmark). */
  snapshot(): Resource[] {
    this.settle();
    const out: Resource[] = [];
    for (const region of this.state.regions.keys()) out.push(...this.list(region, undefined));
    for (const b of this.state.buckets.values()) out.push(copyResource(b.resource));
    return out;
  }

  // ---- internals ----

  /** One API call: latency, injected faults, throttling retried like the SDK does, then the work. */
  private async call<T>(
    region: string,
    operation: string,
    signal: AbortSignal | undefined,
    work: () => T,
    latencyMs = this.latencyOf(region),
  ): Promise<T> {
    return withRetry(
      async () => {
        this.stats.calls++;
        this.stats.byOperation[operation] = (this.stats.byOperation[operation] ?? 0) + 1;
        await sleep(latencyMs, signal);
        if (region !== 'global' && this.faults.failingRegions?.includes(region)) {
          throw new CloudError('OptInRequired', `You are not subscribed to this service in ${region}.`, {
            region,
          });
        }
        if (
          (this.faults.throttleCalls ?? 0) > 0 &&
          (!this.faults.throttleRegion || this.faults.throttleRegion === region)
        ) {
          this.faults.throttleCalls! -= 1;
          this.stats.throttled++;
          throw new CloudError('RequestLimitExceeded', 'Request limit exceeded.', {
            region,
            throttling: true,
          });
        }
        this.settle();
        return work();
      },
      { ...this.retry, retryOn: isThrottling, signal, random: this.random },
    );
  }

  private settle(): void {
    const now = this.now();
    for (const [id, t] of this.transitions) {
      if (t.at > now) continue;
      this.transitions.delete(id);
      const r = this.regionMap(t.region).get(id);
      if (!r) continue;
      r.state = t.to;
      if (t.to === 'terminated') this.finishTermination(r, now);
      if (t.to === 'stopped' && r.raw) r.raw.PublicIpAddress = undefined;
    }
    for (const [id, at] of this.terminatedAt) {
      if (now - at < terminatedRetentionMs) continue;
      this.terminatedAt.delete(id);
      for (const rs of this.state.regions.values()) rs.delete(id);
    }
  }

  private finishTermination(r: Resource, now: number): void {
    const rs = this.regionMap(r.region);
    for (const volId of r.refs.volumes ?? []) {
      const v = rs.get(volId);
      if (!v) continue;
      if (v.raw?.DeleteOnTermination) rs.delete(volId);
      else {
        v.state = 'available';
        v.refs = {};
      }
    }
    r.refs = { ...r.refs, volumes: [] };
    if (r.raw) r.raw.PublicIpAddress = undefined;
    this.terminatedAt.set(r.id, now);
  }

  private regionMap(region: string): Map<string, Resource> {
    const rs = this.state.regions.get(region);
    if (!rs)
      throw new CloudError('InvalidRegion', `${region} is not a region of the demo account`, { region });
    return rs;
  }

  private list(region: string, type: ResourceType | undefined): Resource[] {
    const out: Resource[] = [];
    for (const r of this.regionMap(region).values()) if (!type || r.type === type) out.push(copyResource(r));
    return out;
  }

  private add(r: Resource): Resource {
    const resource: Resource = {
      ...r,
      name: r.name ?? r.tags.Name,
      project: r.project ?? r.tags[projectTag],
      createdAt: r.createdAt ?? this.now(),
    };
    this.regionMap(r.region).set(r.id, resource);
    return copyResource(resource);
  }

  private expect(region: string, type: ResourceType, id: string): Resource {
    const r = this.regionMap(region).get(id);
    if (!r || r.type !== type) throw notFound(type, id, region);
    return r;
  }

  private liveInstance(region: string, id: string): Resource | undefined {
    const r = this.regionMap(region).get(id);
    return r?.type === 'instance' && r.state !== 'terminated' ? r : undefined;
  }

  private changeInstances(
    region: string,
    ids: string[],
    decide: (r: Resource) => { now: string; next: string } | undefined,
  ): InstanceStateChange[] {
    const changes: InstanceStateChange[] = [];
    for (const id of ids) {
      const r = this.liveInstance(region, id);
      if (!r) continue;
      if (r.state === 'shutting-down') throw incorrectState(r, 'changed');
      const previous = r.state;
      const step = decide(r);
      if (step) {
        r.state = step.now;
        this.transitions.set(id, { region, to: step.next, at: this.now() + this.transitionMs });
      }
      changes.push({ id, previous, current: r.state ?? 'unknown' });
    }
    return changes;
  }

  private async deleteOnce(target: Resource, options: DeleteOptions): Promise<DeleteOutcome> {
    const region = target.region;
    if (target.type === 'bucket') return this.deleteBucket(target, options);
    return this.call(region, `ec2:Delete:${target.type}`, options.signal, (): DeleteOutcome => {
      const rs = this.regionMap(region);
      const r = rs.get(target.id);
      if (!r || (r.type === 'instance' && r.state === 'terminated')) {
        return { status: 'gone', message: `${target.id} no longer exists` };
      }
      const inUse = (message: string) => new CloudError('DependencyViolation', message, { region });
      const live = (x: Resource) => x.type === 'instance' && x.state !== 'terminated';
      const all = [...rs.values()];
      switch (r.type) {
        case 'instance':
          if (r.state !== 'shutting-down') {
            r.state = 'shutting-down';
            this.transitions.set(r.id, { region, to: 'terminated', at: this.now() + this.transitionMs });
          }
          return { status: 'terminating', message: 'shutting down' };
        case 'volume':
          if (r.state === 'in-use') {
            throw new CloudError(
              'VolumeInUse',
              `Volume ${r.id} is currently attached to ${r.refs.instance}`,
              {
                region,
              },
            );
          }
          break;
        case 'key-pair':
          break;
        case 'security-group': {
          if (r.implicit)
            return { status: 'skipped', message: 'the default security group goes with its VPC' };
          const user = all.find((x) => live(x) && x.refs.securityGroups?.includes(r.id));
          if (user) throw inUse(`resource ${r.id} has a dependent object (${user.id})`);
          const referrer = all.find(
            (x) => x.type === 'security-group' && x.id !== r.id && x.refs.securityGroups?.includes(r.id),
          );
          if (referrer) throw inUse(`resource ${r.id} has a dependent object (rules of ${referrer.id})`);
          break;
        }
        case 'subnet': {
          const user = all.find((x) => live(x) && x.refs.subnet === r.id);
          if (user) throw inUse(`The subnet '${r.id}' has dependencies and cannot be deleted (${user.id}).`);
          for (const t of all) {
            if (t.type === 'route-table' && t.refs.subnets?.includes(r.id)) {
              t.refs.subnets = t.refs.subnets.filter((s) => s !== r.id);
            }
          }
          break;
        }
        case 'route-table': {
          if (r.implicit) return { status: 'skipped', message: 'the main route table goes with its VPC' };
          const associated = (r.refs.subnets ?? []).filter((s) => rs.has(s));
          if (associated.length > 0) {
            throw inUse(
              `The routeTable '${r.id}' has dependencies and cannot be deleted (${associated[0]}).`,
            );
          }
          break;
        }
        case 'internet-gateway': {
          const mapped = all.find((x) => live(x) && x.refs.vpc === r.refs.vpc && x.raw?.PublicIpAddress);
          if (mapped) {
            throw inUse(
              `Network ${r.refs.vpc} has some mapped public address(es) (${mapped.id}). ` +
                'Please unmap those public address(es) before detaching the gateway.',
            );
          }
          break;
        }
        case 'vpc': {
          const dependent = all.find(
            (x) =>
              x.id !== r.id &&
              x.refs.vpc === r.id &&
              !x.implicit &&
              (x.type !== 'instance' || x.state !== 'terminated'),
          );
          if (dependent) {
            throw inUse(`The vpc '${r.id}' has dependencies and cannot be deleted (${dependent.id}).`);
          }
          for (const x of all) if (x.implicit && x.refs.vpc === r.id) rs.delete(x.id);
          break;
        }
        default:
          break;
      }
      rs.delete(r.id);
      return { status: 'deleted', message: `${r.type} ${r.id} deleted` };
    });
  }

  private async deleteBucket(target: Resource, options: DeleteOptions): Promise<DeleteOutcome> {
    const found = await this.call('global', 's3:ListObjectVersions', options.signal, () => {
      const b = this.state.buckets.get(target.id);
      return b ? b.objects : undefined;
    });
    if (found === undefined) return { status: 'gone', message: `bucket ${target.id} no longer exists` };
    if (found > 0 && !options.emptyBucket) throw bucketNotEmptyError(target.id, `${found} object versions`);
    let left = found;
    while (left > 0) {
      const page = Math.min(1000, left);
      await this.call('global', 's3:DeleteObjects', options.signal, () => {
        const b = this.state.buckets.get(target.id);
        if (b) {
          b.objects -= page;
          b.resource.detail = b.objects === 0 ? 'empty' : `${b.objects} objects`;
        }
      });
      left -= page;
      options.log?.(`${target.id}: deleted ${found - left} of ${found} object versions`);
    }
    return this.call('global', 's3:DeleteBucket', options.signal, (): DeleteOutcome => {
      const b = this.state.buckets.get(target.id);
      if (!b) return { status: 'gone', message: `bucket ${target.id} no longer exists` };
      if (b.objects > 0) throw bucketNotEmptyError(target.id, `${b.objects} object versions`);
      this.state.buckets.delete(target.id);
      return { status: 'deleted', message: `bucket ${target.id} deleted` };
    });
  }
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

/** A copy callers may change without changing the demo's state (much cheaper than structuredClone). */
function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

function copyResource(r: Resource): Resource {
  const refs = { ...r.refs };
  if (refs.securityGroups) refs.securityGroups = [...refs.securityGroups];
  if (refs.volumes) refs.volumes = [...refs.volumes];
  if (refs.subnets) refs.subnets = [...refs.subnets];
  if (refs.internetGateways) refs.internetGateways = [...refs.internetGateways];
  return { ...r, tags: { ...r.tags }, refs, ...(r.raw ? { raw: { ...r.raw } } : {}) };
}

/** The first `n` demo regions; past the named ones, more regions with made-up names. */
export function demoRegions(n: number): string[] {
  const out = demoRegionNames.slice(0, n);
  for (let i = out.length; i < n; i++) out.push(`demo-${i + 1}`);
  return out;
}

function notFound(type: ResourceType, id: string, region: string): CloudError {
  const code: Record<string, string> = {
    instance: 'InvalidInstanceID.NotFound',
    vpc: 'InvalidVpcID.NotFound',
    subnet: 'InvalidSubnetID.NotFound',
    'security-group': 'InvalidGroup.NotFound',
    'internet-gateway': 'InvalidInternetGatewayID.NotFound',
    'route-table': 'InvalidRouteTableID.NotFound',
    volume: 'InvalidVolume.NotFound',
    'key-pair': 'InvalidKeyPair.NotFound',
  };
  return new CloudError(code[type] ?? 'NotFound', `The ${type} '${id}' does not exist in ${region}`, {
    region,
  });
}

function incorrectState(r: Resource, verb: string): CloudError {
  return new CloudError(
    'IncorrectInstanceState',
    `The instance '${r.id}' is not in a state from which it can be ${verb} (${r.state}).`,
    { region: r.region },
  );
}

function mask(bits: number): number {
  return bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
}

/** `10.1.0.0/16` -> [base address as a number, prefix length]. */
function parseCidr(cidr: string, what: string): [number, number] {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(cidr);
  const parts = m ? m.slice(1, 5).map(Number) : [];
  const bits = m ? Number(m[5]) : -1;
  if (!m || parts.some((p) => p > 255) || bits < 16 || bits > 28) {
    throw new CloudError(
      'InvalidParameterValue',
      `${what} "${cidr}" is not a CIDR block between /16 and /28`,
    );
  }
  const base = ((parts[0] << 24) | (parts[1] << 16) | (parts[2] << 8) | parts[3]) >>> 0;
  return [(base & mask(bits)) >>> 0, bits];
}
