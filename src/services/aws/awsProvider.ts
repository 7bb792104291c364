import {
  DescribeKeyPairsCommand,
  DescribeRegionsCommand,
  type InstanceStateChange as Ec2StateChange,
  type Filter,
  paginateDescribeInstances,
  paginateDescribeInternetGateways,
  paginateDescribeRouteTables,
  paginateDescribeSecurityGroups,
  paginateDescribeSubnets,
  paginateDescribeVolumes,
  paginateDescribeVpcs,
  RebootInstancesCommand,
  StartInstancesCommand,
  StopInstancesCommand,
} from '@aws-sdk/client-ec2';
import {
  GetBucketLocationCommand,
  GetBucketTaggingCommand,
  HeadObjectCommand,
  paginateListBuckets,
} from '@aws-sdk/client-s3';
import { projectTag, type Resource, type ResourceType, tagsToRecord } from '../../domain/resource';
import { CloudError, errorCode, errorMessage, isAbort, isRegionUnavailable } from '../cloud/cloudError';
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
} from '../cloud/cloudProvider';
import { mapLimit } from '../cloud/mapLimit';
import { defaultDependencyRetry, type RetryPolicy, sleep } from '../cloud/retry';
import { type BucketSettings, readBucketSettings } from './awsBucketSettings';
import type { AwsClients } from './awsClients';
import { convergeAws } from './awsConverge';
import {
  createAwsBucket,
  createAwsInternetGateway,
  createAwsRouteTable,
  createAwsSecurityGroup,
  createAwsSubnet,
  createAwsVpc,
  resolveAwsImage,
  runAwsInstances,
} from './awsCreate';
import { deleteAwsResource, revokeAwsGroupReferences } from './awsDelete';
import { callerIdentity } from './awsIdentity';
import {
  bucketRegion,
  bucketResource,
  instanceResource,
  internetGatewayResource,
  keyPairResource,
  routeTableResource,
  securityGroupResource,
  subnetResource,
  volumeResource,
  vpcResource,
} from './awsResources';

export interface AwsProviderOptions {
  /** Retries of a delete that meets DependencyViolation (default 8 tries over about two minutes). */
  dependencyRetry?: RetryPolicy;
  /** Buckets whose region and tags are read at once (default 8). */
  bucketConcurrency?: number;
  /** Time between polls while waiting for an instance state (default 5 s). */
  pollMs?: number;
}

async function collect<P, T>(pages: AsyncIterable<P>, pick: (page: P) => T[] | undefined): Promise<T[]> {
  const out: T[] = [];
  for await (const page of pages) out.push(...(pick(page) ?? []));
  return out;
}

const liveStates = ['pending', 'running', 'stopping', 'stopped'];

/** The AWS account behind the default credential chain, as a CloudProvider. */
export class AwsProvider implements CloudProvider {
  readonly kind = 'aws' as const;
  private readonly dependencyRetry: RetryPolicy;
  private readonly bucketConcurrency: number;
  private readonly pollMs: number;

  constructor(
    readonly clients: AwsClients,
    options: AwsProviderOptions = {},
  ) {
    this.dependencyRetry = options.dependencyRetry ?? defaultDependencyRetry;
    this.bucketConcurrency = options.bucketConcurrency ?? 8;
    this.pollMs = options.pollMs ?? 5000;
  }

  get label(): string {
    return this.clients.settings.profile ? `AWS profile ${this.clients.settings.profile}` : 'AWS';
  }

  identity(signal?: AbortSignal): Promise<Identity> {
    return callerIdentity(this.clients, signal);
  }

  async listRegions(signal?: AbortSignal): Promise<string[]> {
    // Not paginated by the API. Without AllRegions, only the regions enabled for the account are listed.
    const out = await this.clients.ec2().send(new DescribeRegionsCommand({}), { abortSignal: signal });
    return (out.Regions ?? []).flatMap((r) => (r.RegionName ? [r.RegionName] : [])).sort();
  }

  async scanRegion(region: string, signal?: AbortSignal): Promise<Resource[]> {
    const client = this.clients.ec2(region);
    const opts = { abortSignal: signal };
    const [instances, vpcs, subnets, groups, gateways, tables, volumes, keys] = await Promise.all([
      collect(paginateDescribeInstances({ client, pageSize: 1000 }, {}, opts), (p) =>
        p.Reservations?.flatMap((r) => r.Instances ?? []),
      ),
      collect(paginateDescribeVpcs({ client, pageSize: 1000 }, {}, opts), (p) => p.Vpcs),
      collect(paginateDescribeSubnets({ client, pageSize: 1000 }, {}, opts), (p) => p.Subnets),
      collect(paginateDescribeSecurityGroups({ client, pageSize: 1000 }, {}, opts), (p) => p.SecurityGroups),
      collect(
        paginateDescribeInternetGateways({ client, pageSize: 1000 }, {}, opts),
        (p) => p.InternetGateways,
      ),
      collect(paginateDescribeRouteTables({ client, pageSize: 100 }, {}, opts), (p) => p.RouteTables),
      collect(paginateDescribeVolumes({ client, pageSize: 500 }, {}, opts), (p) => p.Volumes),
      // DescribeKeyPairs has no pagination in the EC2 API: one call returns every key pair.
      client.send(new DescribeKeyPairsCommand({}), opts).then((o) => o.KeyPairs ?? []),
    ]);
    return [
      ...instances.map((x) => instanceResource(x, region)),
      ...vpcs.map((x) => vpcResource(x, region)),
      ...subnets.map((x) => subnetResource(x, region)),
      ...groups.map((x) => securityGroupResource(x, region)),
      ...gateways.map((x) => internetGatewayResource(x, region)),
      ...tables.map((x) => routeTableResource(x, region)),
      ...volumes.map((x) => volumeResource(x, region)),
      ...keys.map((x) => keyPairResource(x, region)),
    ];
  }

  async scanBuckets(signal?: AbortSignal): Promise<Resource[]> {
    const opts = { abortSignal: signal };
    const buckets = await collect(
      paginateListBuckets({ client: this.clients.s3(), pageSize: 1000 }, {}, opts),
      (p) => p.Buckets,
    );
    return mapLimit(buckets, this.bucketConcurrency, async (b) => {
      const name = b.Name ?? '';
      let region = b.BucketRegion;
      let problem: string | undefined;
      if (!region) {
        try {
          const loc = await this.clients.s3().send(new GetBucketLocationCommand({ Bucket: name }), opts);
          region = bucketRegion(loc.LocationConstraint);
        } catch (err) {
          if (isAbort(err)) throw err;
          problem = `region unknown: ${errorMessage(err)}`;
        }
      }
      // Versioning and the public access block too (the advisor's rules read them), as the demo cloud keeps them.
      let settings: Omit<BucketSettings, 'tags' | 'publicAccessBlock'> | undefined;
      let tags: Record<string, string> = {};
      try {
        const read = await readBucketSettings(this.clients.s3(region), name, undefined, signal);
        tags = read.tags;
        settings = {
          versioning: read.versioning,
          encryption: read.encryption,
          blockPublicAccess: read.blockPublicAccess,
        };
      } catch (err) {
        if (isAbort(err)) throw err;
        // A server that answers tags but not the settings (S3-compatible ones): the tags alone, as before.
        try {
          const t = await this.clients.s3(region).send(new GetBucketTaggingCommand({ Bucket: name }), opts);
          tags = tagsToRecord(t.TagSet);
        } catch (tagErr) {
          if (isAbort(tagErr)) throw tagErr;
          // NoSuchTagSet is a bucket without tags; NotImplemented comes from compatible servers.
          const code = errorCode(tagErr);
          if (code !== 'NoSuchTagSet' && code !== 'NotImplemented')
            problem ??= `tags unreadable: ${errorMessage(tagErr)}`;
        }
      }
      const r = bucketResource(b, region ?? this.clients.region, tags);
      if (settings) r.raw = { ...r.raw, ...settings };
      if (problem) r.raw = { ...r.raw, problem };
      return r;
    });
  }

  private async describe(region: string, filters: Filter[], signal?: AbortSignal): Promise<Resource[]> {
    const client = this.clients.ec2(region);
    const instances = await collect(
      paginateDescribeInstances({ client, pageSize: 1000 }, { Filters: filters }, { abortSignal: signal }),
      (p) => p.Reservations?.flatMap((r) => r.Instances ?? []),
    );
    return instances.map((i) => instanceResource(i, region));
  }

  async describeInstances(region: string, ids: string[], signal?: AbortSignal): Promise<Resource[]> {
    if (ids.length === 0) return [];
    // A filter, not InstanceIds: an id that no longer exists is left out instead of failing the call.
    return this.describe(region, [{ Name: 'instance-id', Values: ids }], signal);
  }

  /** Runs a call on the instances that still exist: one vanished id must not fail the whole batch. */
  private async onExisting<T>(
    region: string,
    ids: string[],
    signal: AbortSignal | undefined,
    call: (ids: string[]) => Promise<T>,
    none: T,
  ): Promise<T> {
    try {
      return await call(ids);
    } catch (err) {
      if (errorCode(err) !== 'InvalidInstanceID.NotFound') throw err;
      const existing = (await this.describeInstances(region, ids, signal))
        .filter((r) => r.state !== 'terminated')
        .map((r) => r.id);
      return existing.length ? call(existing) : none;
    }
  }

  startInstances(region: string, ids: string[], signal?: AbortSignal): Promise<InstanceStateChange[]> {
    const ec2 = this.clients.ec2(region);
    return this.onExisting(
      region,
      ids,
      signal,
      async (some) => {
        const out = await ec2.send(new StartInstancesCommand({ InstanceIds: some }), { abortSignal: signal });
        return stateChanges(out.StartingInstances, 'pending');
      },
      [],
    );
  }

  stopInstances(region: string, ids: string[], signal?: AbortSignal): Promise<InstanceStateChange[]> {
    const ec2 = this.clients.ec2(region);
    return this.onExisting(
      region,
      ids,
      signal,
      async (some) => {
        const out = await ec2.send(new StopInstancesCommand({ InstanceIds: some }), { abortSignal: signal });
        return stateChanges(out.StoppingInstances, 'stopping');
      },
      [],
    );
  }

  async rebootInstances(region: string, ids: string[], signal?: AbortSignal): Promise<void> {
    const ec2 = this.clients.ec2(region);
    await this.onExisting(
      region,
      ids,
      signal,
      async (some) => {
        await ec2.send(new RebootInstancesCommand({ InstanceIds: some }), { abortSignal: signal });
      },
      undefined,
    );
  }

  async instancesOfProject(
    project: string,
    options: { regions?: string[]; signal?: AbortSignal } = {},
  ): Promise<Resource[]> {
    const regions = options.regions ?? (await this.listRegions(options.signal));
    const filters: Filter[] = [
      { Name: `tag:${projectTag}`, Values: [project] },
      { Name: 'instance-state-name', Values: liveStates },
    ];
    const found = await mapLimit(regions, 16, async (region) => {
      try {
        return await this.describe(region, filters, options.signal);
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
    const deadline = Date.now() + (options.timeoutMs ?? 600_000);
    for (;;) {
      const [r] = await this.describeInstances(region, [id], options.signal);
      if (!r) {
        if (state === 'terminated') return;
        throw new CloudError('InvalidInstanceID.NotFound', `${id} no longer exists`, { region });
      }
      if (r.state === state) return;
      if (Date.now() >= deadline) {
        throw new CloudError('WaiterTimeout', `${id} is still ${r.state}, not ${state}`, { region });
      }
      await sleep(options.pollMs ?? this.pollMs, options.signal);
    }
  }

  deleteResource(r: Resource, options: DeleteOptions): Promise<DeleteOutcome> {
    return deleteAwsResource(this.clients, r, options, this.dependencyRetry);
  }

  revokeGroupReferences(
    region: string,
    groupId: string,
    referenced: string[],
    signal?: AbortSignal,
  ): Promise<number> {
    return revokeAwsGroupReferences(this.clients, region, groupId, referenced, signal);
  }

  async findByTags(
    region: string,
    type: ResourceType,
    tags: Tags,
    signal?: AbortSignal,
  ): Promise<Resource[]> {
    const matches = (r: Resource) => Object.entries(tags).every(([k, v]) => r.tags[k] === v);
    if (type === 'bucket') {
      const found = (await this.scanBuckets(signal)).filter((b) => b.region === region && matches(b));
      return Promise.all(found.map((b) => this.withSettings(b, signal)));
    }
    const client = this.clients.ec2(region);
    const opts = { abortSignal: signal };
    const Filters: Filter[] = Object.entries(tags).map(([k, v]) => ({ Name: `tag:${k}`, Values: [v] }));
    switch (type) {
      case 'instance':
        return this.describe(
          region,
          [...Filters, { Name: 'instance-state-name', Values: [...liveStates, 'shutting-down'] }],
          signal,
        );
      case 'vpc':
        return (await collect(paginateDescribeVpcs({ client }, { Filters }, opts), (p) => p.Vpcs)).map((x) =>
          vpcResource(x, region),
        );
      case 'subnet':
        return (await collect(paginateDescribeSubnets({ client }, { Filters }, opts), (p) => p.Subnets)).map(
          (x) => subnetResource(x, region),
        );
      case 'security-group':
        return (
          await collect(
            paginateDescribeSecurityGroups({ client }, { Filters }, opts),
            (p) => p.SecurityGroups,
          )
        ).map((x) => securityGroupResource(x, region));
      case 'internet-gateway':
        return (
          await collect(
            paginateDescribeInternetGateways({ client }, { Filters }, opts),
            (p) => p.InternetGateways,
          )
        ).map((x) => internetGatewayResource(x, region));
      case 'route-table':
        return (
          await collect(paginateDescribeRouteTables({ client }, { Filters }, opts), (p) => p.RouteTables)
        ).map((x) => routeTableResource(x, region));
      case 'volume':
        return (await collect(paginateDescribeVolumes({ client }, { Filters }, opts), (p) => p.Volumes)).map(
          (x) => volumeResource(x, region),
        );
      case 'key-pair': {
        const out = await client.send(new DescribeKeyPairsCommand({ Filters }), opts);
        return (out.KeyPairs ?? []).map((x) => keyPairResource(x, region));
      }
    }
  }

  resolveImage(region: string, image: string, signal?: AbortSignal): Promise<string> {
    return resolveAwsImage(this.clients, region, image, signal);
  }
  createVpc(region: string, spec: VpcSpec, signal?: AbortSignal): Promise<Resource> {
    return createAwsVpc(this.clients, region, spec, signal);
  }
  createSubnet(region: string, spec: SubnetSpec, signal?: AbortSignal): Promise<Resource> {
    return createAwsSubnet(this.clients, region, spec, signal);
  }
  createInternetGateway(region: string, spec: InternetGatewaySpec, signal?: AbortSignal): Promise<Resource> {
    return createAwsInternetGateway(this.clients, region, spec, signal);
  }
  createRouteTable(region: string, spec: RouteTableSpec, signal?: AbortSignal): Promise<Resource> {
    return createAwsRouteTable(this.clients, region, spec, signal);
  }
  createSecurityGroup(region: string, spec: SecurityGroupSpec, signal?: AbortSignal): Promise<Resource> {
    return createAwsSecurityGroup(this.clients, region, spec, signal);
  }
  runInstances(region: string, spec: InstancesSpec, signal?: AbortSignal): Promise<Resource[]> {
    return runAwsInstances(this.clients, region, spec, signal);
  }
  createBucket(spec: BucketSpec, signal?: AbortSignal): Promise<Resource> {
    return createAwsBucket(this.clients, spec, signal);
  }

  async converge(
    r: Resource,
    settings: Settings,
    signal?: AbortSignal,
    fresh = false,
  ): Promise<ConvergeReport> {
    const owner = settings.type === 'bucket' ? await this.account(signal) : undefined;
    return convergeAws(this.clients, r, settings, owner, signal, fresh);
  }

  async findBucket(name: string, signal?: AbortSignal): Promise<Resource | undefined> {
    // ListBuckets lists only this account's buckets: a name another account holds is not found.
    const buckets = await collect(
      paginateListBuckets({ client: this.clients.s3() }, { Prefix: name }, { abortSignal: signal }),
      (p) => p.Buckets,
    );
    const b = buckets.find((x) => x.Name === name);
    if (!b) return undefined;
    let region = b.BucketRegion;
    if (!region) {
      const loc = await this.clients
        .s3()
        .send(new GetBucketLocationCommand({ Bucket: name }), { abortSignal: signal });
      region = bucketRegion(loc.LocationConstraint);
    }
    return this.withSettings(bucketResource(b, region, {}), signal);
  }

  async objectExists(bucket: string, key: string, signal?: AbortSignal): Promise<boolean> {
    // HeadObject answers a bucket of another region with a bare 301: ask where the bucket is first.
    let region: string;
    try {
      const loc = await this.clients
        .s3()
        .send(new GetBucketLocationCommand({ Bucket: bucket }), { abortSignal: signal });
      region = bucketRegion(loc.LocationConstraint);
    } catch (err) {
      if (errorCode(err) === 'NoSuchBucket') return false;
      throw err;
    }
    try {
      await this.clients
        .s3(region)
        .send(new HeadObjectCommand({ Bucket: bucket, Key: key }), { abortSignal: signal });
      return true;
    } catch (err) {
      // HeadObject has no body, so a missing key or bucket comes back as a bare 404 (`NotFound`).
      const code = errorCode(err);
      const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
      if (code === 'NotFound' || code === 'NoSuchKey' || code === 'NoSuchBucket' || status === 404)
        return false;
      throw err;
    }
  }

  /** The bucket with its tags and the settings a deploy manages, read with this account as the expected owner. */
  private async withSettings(b: Resource, signal?: AbortSignal): Promise<Resource> {
    const s = await readBucketSettings(this.clients.s3(b.region), b.id, await this.account(signal), signal);
    return {
      ...b,
      tags: s.tags,
      name: b.name,
      project: s.tags[projectTag] || undefined,
      raw: {
        ...b.raw,
        versioning: s.versioning,
        encryption: s.encryption,
        blockPublicAccess: s.blockPublicAccess,
      },
    };
  }

  private ownerAccount?: Promise<string>;

  /** This account's id, asked once (STS), for S3's ExpectedBucketOwner. */
  private account(signal?: AbortSignal): Promise<string> {
    this.ownerAccount ??= this.identity(signal).then((i) => i.account);
    this.ownerAccount.catch(() => {
      this.ownerAccount = undefined;
    });
    return this.ownerAccount;
  }
}

/** What Start/StopInstances answered, as the state changes the jobs report. */
function stateChanges(changes: Ec2StateChange[] | undefined, fallback: string): InstanceStateChange[] {
  return (changes ?? []).map((c) => ({
    id: c.InstanceId ?? '',
    previous: c.PreviousState?.Name,
    current: c.CurrentState?.Name ?? fallback,
  }));
}
