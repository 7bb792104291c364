import type { Resource, ResourceType } from '../../domain/resource';
import { CloudError } from './cloudError';
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
  Settings,
  SubnetSpec,
  Tags,
  VpcSpec,
  WaitOptions,
} from './cloudProvider';
import { defaultDemoLatencyMs, demoRegionNames } from './demoAccount';
import { convergeDemo } from './demoConverge';
import {
  createDemoBucket,
  createDemoInternetGateway,
  createDemoRouteTable,
  createDemoSecurityGroup,
  createDemoSubnet,
  createDemoVpc,
  resolveDemoImage,
  runDemoInstances,
} from './demoCreate';
import { deleteDemoResource, revokeDemoGroupReferences } from './demoDelete';
import { copyResource, DemoEndpoint, type DemoFaults, type DemoStats } from './demoEndpoint';
import {
  demoInstancesOfProject,
  describeDemoInstances,
  rebootDemoInstances,
  startDemoInstances,
  stopDemoInstances,
  waitDemoInstanceState,
} from './demoInstances';
import type { DemoWorldFactory } from './demoWorldStore';
import { defaultDependencyRetry, type RetryPolicy } from './retry';

export type { DemoFaults, DemoStats };

export const demoAccountId = '000000000000';

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
  /**
   * One world shared by several processes (`redisDemoWorld`: every process on one Redis and bus prefix): seeded
   * once, by the first process that writes it, from that process's seed, regions and scale.
   */
  sharedWorld?: DemoWorldFactory;
}

/**
 * A whole AWS-like account in memory: seeded, slow like the real thing, and faulty on request. Its calls
 * fail with AWS error codes and its state really changes (a VPC with subnets cannot be deleted), so every
 * screen and job runs on it unchanged. Split like the AWS provider: the account and its calls in
 * `demoEndpoint.ts`, the operations in `demoCreate`, `demoConverge`, `demoDelete` and `demoInstances`.
 */
export class DemoCloud implements CloudProvider {
  readonly kind = 'demo' as const;
  readonly label = 'DEMO';
  readonly faults: DemoFaults;
  readonly stats: DemoStats;

  private readonly endpoint: DemoEndpoint;
  private readonly regionNames: string[];
  private readonly pageSize: number;
  private readonly dependencyRetry: RetryPolicy;

  constructor(options: DemoCloudOptions = {}) {
    const seed = options.seed ?? 42;
    const regions = options.regions ?? 6;
    this.regionNames = typeof regions === 'number' ? demoRegions(regions) : [...regions];
    this.faults = { failingRegions: [], ...options.faults };
    for (const r of this.faults.failingRegions ?? [])
      if (!this.regionNames.includes(r)) this.regionNames.push(r);
    const latencyScale = options.latencyScale ?? 1;
    this.pageSize = options.pageSize ?? 1000;
    this.dependencyRetry = options.dependencyRetry ?? {
      attempts: defaultDependencyRetry.attempts,
      baseMs: defaultDependencyRetry.baseMs * latencyScale,
      maxMs: defaultDependencyRetry.maxMs * latencyScale,
    };
    this.endpoint = new DemoEndpoint({
      seed,
      account: {
        seed,
        regions: this.regionNames.filter((r) => !this.faults.failingRegions?.includes(r)),
        scale: options.scale ?? 1,
      },
      faults: this.faults,
      latencyMs: { ...defaultDemoLatencyMs, ...options.latencyMs },
      latencyScale,
      transitionMs: options.transitionMs ?? 3000 * latencyScale,
      retry: options.retry ?? { attempts: 3, baseMs: 100 * latencyScale, maxMs: 2000 },
      now: options.now ?? Date.now,
      sharedWorld: options.sharedWorld,
    });
    this.stats = this.endpoint.stats;
  }

  /** Milliseconds one call to this region takes. */
  latencyOf(region: string): number {
    return this.endpoint.latencyOf(region);
  }

  async identity(signal?: AbortSignal): Promise<Identity> {
    // Answered without simulated latency: the console asks it while it starts, and a made-up wait would only
    // delay the DEMO label (scans and changes keep theirs).
    return this.endpoint.call(
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
      { latencyMs: 0, account: false },
    );
  }

  async listRegions(signal?: AbortSignal): Promise<string[]> {
    return this.endpoint.call('global', 'ec2:DescribeRegions', signal, () => [...this.regionNames], {
      account: false,
    });
  }

  async scanRegion(region: string, signal?: AbortSignal): Promise<Resource[]> {
    const demo = this.endpoint;
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
        const all = await demo.call(region, `ec2:Describe:${type}`, signal, () => demo.list(region, type));
        const out: Resource[] = all.slice(0, this.pageSize);
        // Further pages cost a call each, as NextToken does.
        for (let from = this.pageSize; from < all.length; from += this.pageSize) {
          await demo.call(region, `ec2:Describe:${type}`, signal, () => undefined);
          out.push(...all.slice(from, from + this.pageSize));
        }
        return out;
      }),
    );
    return perType.flat();
  }

  async scanBuckets(signal?: AbortSignal): Promise<Resource[]> {
    const demo = this.endpoint;
    return demo.call('global', 's3:ListBuckets', signal, () =>
      [...demo.state.buckets.values()].map((b) => copyResource(b.resource)),
    );
  }

  async describeInstances(region: string, ids: string[], signal?: AbortSignal): Promise<Resource[]> {
    return describeDemoInstances(this.endpoint, region, ids, signal);
  }

  async startInstances(region: string, ids: string[], signal?: AbortSignal): Promise<InstanceStateChange[]> {
    return startDemoInstances(this.endpoint, region, ids, signal);
  }

  async stopInstances(region: string, ids: string[], signal?: AbortSignal): Promise<InstanceStateChange[]> {
    return stopDemoInstances(this.endpoint, region, ids, signal);
  }

  async rebootInstances(region: string, ids: string[], signal?: AbortSignal): Promise<void> {
    return rebootDemoInstances(this.endpoint, region, ids, signal);
  }

  async instancesOfProject(
    project: string,
    options: { regions?: string[]; signal?: AbortSignal } = {},
  ): Promise<Resource[]> {
    const regions = options.regions ?? (await this.listRegions(options.signal));
    return demoInstancesOfProject(this.endpoint, project, regions, options.signal);
  }

  async waitInstanceState(
    region: string,
    id: string,
    state: InstanceTargetState,
    options: WaitOptions = {},
  ): Promise<void> {
    return waitDemoInstanceState(this.endpoint, region, id, state, options);
  }

  async deleteResource(r: Resource, options: DeleteOptions): Promise<DeleteOutcome> {
    return deleteDemoResource(this.endpoint, r, options, this.dependencyRetry);
  }

  async revokeGroupReferences(
    region: string,
    groupId: string,
    referenced: string[],
    signal?: AbortSignal,
  ): Promise<number> {
    return revokeDemoGroupReferences(this.endpoint, region, groupId, referenced, signal);
  }

  async findByTags(
    region: string,
    type: ResourceType,
    tags: Tags,
    signal?: AbortSignal,
  ): Promise<Resource[]> {
    const demo = this.endpoint;
    const matches = (r: Resource) => Object.entries(tags).every(([k, v]) => r.tags[k] === v);
    if (type === 'bucket') {
      return demo.call('global', 's3:ListBuckets', signal, () =>
        [...demo.state.buckets.values()]
          .map((b) => b.resource)
          .filter((b) => b.region === region && matches(b))
          .map((b) => copyResource(b)),
      );
    }
    return demo.call(region, `ec2:Describe:${type}`, signal, () =>
      demo.list(region, type).filter((r) => matches(r) && r.state !== 'terminated'),
    );
  }

  async findBucket(name: string, signal?: AbortSignal): Promise<Resource | undefined> {
    const demo = this.endpoint;
    return demo.call('global', 's3:ListBuckets', signal, () => {
      const b = demo.state.buckets.get(name);
      return b ? copyResource(b.resource) : undefined;
    });
  }

  async resolveImage(region: string, image: string, signal?: AbortSignal): Promise<string> {
    return resolveDemoImage(this.endpoint, region, image, signal);
  }

  async createVpc(region: string, spec: VpcSpec, signal?: AbortSignal): Promise<Resource> {
    return createDemoVpc(this.endpoint, region, spec, signal);
  }

  async createSubnet(region: string, spec: SubnetSpec, signal?: AbortSignal): Promise<Resource> {
    return createDemoSubnet(this.endpoint, region, spec, signal);
  }

  async createInternetGateway(
    region: string,
    spec: InternetGatewaySpec,
    signal?: AbortSignal,
  ): Promise<Resource> {
    return createDemoInternetGateway(this.endpoint, region, spec, signal);
  }

  async createRouteTable(region: string, spec: RouteTableSpec, signal?: AbortSignal): Promise<Resource> {
    return createDemoRouteTable(this.endpoint, region, spec, signal);
  }

  async createSecurityGroup(
    region: string,
    spec: SecurityGroupSpec,
    signal?: AbortSignal,
  ): Promise<Resource> {
    return createDemoSecurityGroup(this.endpoint, region, spec, signal);
  }

  async runInstances(region: string, spec: InstancesSpec, signal?: AbortSignal): Promise<Resource[]> {
    return runDemoInstances(this.endpoint, region, spec, signal);
  }

  async createBucket(spec: BucketSpec, signal?: AbortSignal): Promise<Resource> {
    return createDemoBucket(this.endpoint, spec, signal);
  }

  async converge(
    r: Resource,
    settings: Settings,
    signal?: AbortSignal,
    fresh = false,
  ): Promise<ConvergeReport> {
    return convergeDemo(this.endpoint, r, settings, signal, fresh);
  }

  async objectExists(bucket: string, key: string, signal?: AbortSignal): Promise<boolean> {
    const demo = this.endpoint;
    return demo.call('global', 's3:HeadObject', signal, () => {
      const b = demo.state.buckets.get(bucket);
      return b?.keys?.includes(key) === true;
    });
  }

  /** Puts a named object in a demo bucket (the seeded objects are counted, not named: none of them is found). */
  putObject(bucket: string, key: string): void {
    const b = this.endpoint.state.buckets.get(bucket);
    if (!b) throw new CloudError('NoSuchBucket', `The specified bucket ${bucket} does not exist`);
    if (b.keys?.includes(key)) return;
    b.keys = [...(b.keys ?? []), key];
    this.putObjects(bucket, 1);
  }

  /** Adds objects to a demo bucket (for trying the delete confirmation). */
  putObjects(bucket: string, count: number): void {
    const b = this.endpoint.state.buckets.get(bucket);
    if (!b) throw new CloudError('NoSuchBucket', `The specified bucket ${bucket} does not exist`);
    b.objects += count;
    b.resource.detail = b.objects === 0 ? 'empty' : `${b.objects} objects`;
  }

  /**
   * Everything this demo account holds, as JSON. With `importState` separate processes (the workers of a
   * multi-process test) act on one demo world, one at a time; `sharedWorld` does it around every call.
   */
  exportState(): string {
    return this.endpoint.exportState();
  }

  importState(json: string): void {
    this.endpoint.importState(json);
  }

  /** With a shared world, reads its latest state now (for `snapshot`); without, does nothing. */
  async refresh(signal?: AbortSignal): Promise<void> {
    await this.endpoint.call('global', 'demo:Refresh', signal, () => undefined, { latencyMs: 0 });
  }

  /** Every resource as this process last saw it, without latency or faults (tests and the benchmark). */
  snapshot(): Resource[] {
    const demo = this.endpoint;
    demo.settle();
    const out: Resource[] = [];
    for (const region of demo.state.regions.keys()) out.push(...demo.list(region, undefined));
    for (const b of demo.state.buckets.values()) out.push(copyResource(b.resource));
    return out;
  }
}

/** The first `n` demo regions; past the named ones, more regions with made-up names. */
export function demoRegions(n: number): string[] {
  const out = demoRegionNames.slice(0, n);
  for (let i = out.length; i < n; i++) out.push(`demo-${i + 1}`);
  return out;
}
