import { projectTag, type Resource, type ResourceType } from '../../domain/resource';
import { CloudError, isThrottling } from './cloudError';
import {
  type DemoAccountOptions,
  type DemoBucket,
  type DemoState,
  generateDemoAccount,
  type IdMaker,
  seededRandom,
  stoppedReason,
} from './demoAccount';
import type { DemoWorld, DemoWorldFactory } from './demoWorldStore';
import { type RetryPolicy, sleep, withRetry } from './retry';

export interface DemoFaults {
  /** The next N calls (anywhere, or only in `throttleRegion`) fail with RequestLimitExceeded. */
  throttleCalls?: number;
  throttleRegion?: string;
  /** Regions that are listed but fail every call with OptInRequired, like a region not enabled. */
  failingRegions?: string[];
}

export interface DemoStats {
  calls: number;
  throttled: number;
  byOperation: Record<string, number>;
}

export interface DemoEndpointSettings {
  seed: number;
  account: DemoAccountOptions;
  faults: DemoFaults;
  /** Milliseconds per call, per region (scaled by `latencyScale`). */
  latencyMs: Record<string, number>;
  latencyScale: number;
  transitionMs: number;
  /** Retries of throttled calls. */
  retry: RetryPolicy;
  now: () => number;
  /** The world shared with other processes (Redis); without it, this process's own. */
  sharedWorld?: DemoWorldFactory;
}

/** How a call behaves besides its work. */
export interface DemoCallOptions {
  /** Milliseconds the call takes (default: the region's latency). */
  latencyMs?: number;
  /** False for a call whose answer is not in the account (who we are, the regions): no shared world read. */
  account?: boolean;
}

/** A state an instance reaches by itself, and when: pending -> running, stopping -> stopped... */
interface Transition {
  region: string;
  to: string;
  at: number;
}

const terminatedRetentionMs = 3_600_000;

/**
 * The DEMO account behind its API, as `AwsClients` is AWS's: what the account holds, and how one call to it
 * behaves (latency, injected faults, throttling retried like the SDK does). The DemoCloud's operations
 * (demoCreate, demoConverge, demoDelete, demoInstances) act on the account only through `call`.
 */
export class DemoEndpoint {
  readonly faults: DemoFaults;
  readonly stats: DemoStats = { calls: 0, throttled: 0, byOperation: {} };
  readonly seed: number;
  readonly transitionMs: number;
  readonly now: () => number;
  /** One seeded sequence for retry jitter and made-up addresses: the same calls give the same account. */
  readonly random: () => number;
  /** Instance id -> the state it reaches, and when. */
  readonly transitions = new Map<string, Transition>();
  readonly terminatedAt = new Map<string, number>();
  readonly clientTokens = new Map<string, string[]>();

  private readonly account: DemoAccountOptions;
  private generated: { state: DemoState; ids: IdMaker; images: Map<string, Set<string>> } | undefined;
  private readonly latency: Record<string, number>;
  private readonly latencyScale: number;
  private readonly retry: RetryPolicy;
  private readonly shared: DemoWorld | undefined;

  constructor(settings: DemoEndpointSettings) {
    this.seed = settings.seed;
    this.account = settings.account;
    this.faults = settings.faults;
    this.latency = settings.latencyMs;
    this.latencyScale = settings.latencyScale;
    this.transitionMs = settings.transitionMs;
    this.retry = settings.retry;
    this.now = settings.now;
    this.random = seededRandom(settings.seed ^ 0x5eed);
    this.shared = settings.sharedWorld?.({
      exportState: () => this.exportState(),
      importState: (json) => this.importState(json),
      seedState: () => new DemoEndpoint({ ...settings, sharedWorld: undefined }).exportState(),
    });
  }

  /**
   * The account's resources, generated on first use rather than when the cloud opens: the console asks who
   * you are while it starts, and that needs none of them.
   */
  private get world(): NonNullable<DemoEndpoint['generated']> {
    if (!this.generated) {
      const { state, ids } = generateDemoAccount(this.account);
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

  get state(): DemoState {
    return this.world.state;
  }

  get ids(): IdMaker {
    return this.world.ids;
  }

  /** region -> AMI ids that exist there: those of the seeded servers and those resolved from aliases. */
  get images(): Map<string, Set<string>> {
    return this.world.images;
  }

  /** Milliseconds one call to this region takes. */
  latencyOf(region: string): number {
    return (this.latency[region] ?? this.latency['us-east-1'] ?? 50) * this.latencyScale;
  }

  /**
   * One API call: latency, injected faults, throttling retried like the SDK does, then the work. With a shared
   * world the work runs on its latest state, alone among the processes sharing it (the latency is spent before),
   * and may run more than once: it must change nothing but the account.
   */
  async call<T>(
    region: string,
    operation: string,
    signal: AbortSignal | undefined,
    work: () => T,
    options: DemoCallOptions = {},
  ): Promise<T> {
    const latencyMs = options.latencyMs ?? this.latencyOf(region);
    const run = () => {
      this.settle();
      return work();
    };
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
        return this.shared && options.account !== false ? this.shared.transact(run) : run();
      },
      { ...this.retry, retryOn: isThrottling, signal, random: this.random },
    );
  }

  /** Instances reach the states their transitions promised; terminated ones disappear after an hour. */
  settle(): void {
    const now = this.now();
    for (const [id, t] of this.transitions) {
      if (t.at > now) continue;
      this.transitions.delete(id);
      const r = this.regionMap(t.region).get(id);
      if (!r) continue;
      r.state = t.to;
      if (t.to === 'terminated') this.finishTermination(r, now);
      if (t.to === 'stopped' && r.raw) r.raw.PublicIpAddress = undefined;
      if (r.raw && (t.to === 'stopped' || t.to === 'running'))
        r.raw.StateTransitionReason = t.to === 'stopped' ? stoppedReason(t.at) : '';
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

  /** A region's resources by id, as stored (callers hand out copies). */
  regionMap(region: string): Map<string, Resource> {
    const rs = this.state.regions.get(region);
    if (!rs)
      throw new CloudError('InvalidRegion', `${region} is not a region of the demo account`, { region });
    return rs;
  }

  /** Copies of a region's resources, of one type or all. */
  list(region: string, type: ResourceType | undefined): Resource[] {
    const out: Resource[] = [];
    for (const r of this.regionMap(region).values()) if (!type || r.type === type) out.push(copyResource(r));
    return out;
  }

  /** Stores a new resource (name and project from its tags) and returns a copy. */
  add(r: Resource): Resource {
    const resource: Resource = {
      ...r,
      name: r.name ?? r.tags.Name,
      project: r.project ?? r.tags[projectTag],
      createdAt: r.createdAt ?? this.now(),
    };
    this.regionMap(r.region).set(r.id, resource);
    return copyResource(resource);
  }

  /** The stored resource, or the NotFound error EC2 gives for its type. */
  expect(region: string, type: ResourceType, id: string): Resource {
    const r = this.regionMap(region).get(id);
    if (!r || r.type !== type) throw notFound(type, id, region);
    return r;
  }

  liveInstance(region: string, id: string): Resource | undefined {
    const r = this.regionMap(region).get(id);
    return r?.type === 'instance' && r.state !== 'terminated' ? r : undefined;
  }

  /** Everything the account holds, as JSON (see `DemoCloud.exportState`). */
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
      transitions: [string, Transition][];
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
}

/** A copy callers may change without changing the demo's state (much cheaper than structuredClone). */
export function copyResource(r: Resource): Resource {
  const refs = { ...r.refs };
  if (refs.securityGroups) refs.securityGroups = [...refs.securityGroups];
  if (refs.volumes) refs.volumes = [...refs.volumes];
  if (refs.subnets) refs.subnets = [...refs.subnets];
  if (refs.internetGateways) refs.internetGateways = [...refs.internetGateways];
  return { ...r, tags: { ...r.tags }, refs, ...(r.raw ? { raw: { ...r.raw } } : {}) };
}

export function notFound(type: ResourceType, id: string, region: string): CloudError {
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
