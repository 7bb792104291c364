import type { Resource, ResourceType } from '../../domain/resource';

export type CloudKind = 'aws' | 'demo';

/** Who the console acts as (STS GetCallerIdentity), for the status bar. */
export interface Identity {
  kind: CloudKind;
  account: string;
  arn: string;
  userId?: string;
  /** The named profile in use, if any. */
  profile?: string;
  /** The default region calls go to. */
  region: string;
}

export interface DeleteOptions {
  /** The user explicitly confirmed that a bucket's objects (every version) may be deleted with it. */
  emptyBucket: boolean;
  signal?: AbortSignal;
  /** A line for the job log: each retry after DependencyViolation, each page of objects deleted. */
  log?: (line: string) => void;
}

export type DeleteOutcome =
  /** Deleted; for an instance, termination started (`terminating`): wait for it before its dependencies. */
  | { status: 'deleted' | 'terminating'; message: string }
  /** It vanished between the scan and the action: reported, not a failure. */
  | { status: 'gone'; message: string }
  /** Removed with its VPC, never on its own (main route table, default security group). */
  | { status: 'skipped'; message: string };

export interface InstanceStateChange {
  id: string;
  previous?: string;
  current: string;
}

export type InstanceTargetState = 'running' | 'stopped' | 'terminated';

export interface WaitOptions {
  signal?: AbortSignal;
  /** Give up after this long (default 10 minutes). */
  timeoutMs?: number;
  /** Time between polls (default 5 s on AWS). */
  pollMs?: number;
}

/** Tags every created resource carries; the deploy looks resources up by them before creating. */
export type Tags = Record<string, string>;

export interface VpcSpec {
  cidr: string;
  tags: Tags;
}

export interface SubnetSpec {
  vpcId: string;
  cidr: string;
  availabilityZone?: string;
  tags: Tags;
}

/** The gateway alone; `converge` attaches it to its VPC. */
export interface InternetGatewaySpec {
  tags: Tags;
}

/** The table alone (with its `local` route); `converge` adds the routes and subnet associations. */
export interface RouteTableSpec {
  vpcId: string;
  tags: Tags;
  /** Idempotency: a retried create with the same token returns the first table. */
  clientToken?: string;
}

export interface SecurityRule {
  protocol: 'tcp' | 'udp' | 'icmp' | '-1';
  fromPort?: number;
  toPort?: number;
  cidr?: string;
  /** Another group's id. */
  groupId?: string;
  description?: string;
}

/** The group alone (AWS gives it the allow-all egress rule); `converge` makes its rules the blueprint's. */
export interface SecurityGroupSpec {
  vpcId: string;
  name: string;
  description: string;
  tags: Tags;
}

/**
 * What a deploy manages on a resource after its create call, by type. `converge` reads the resource and makes
 * these so, whatever state an interrupted deploy (or a hand edit) left it in: it adds what is missing and
 * removes what is extra. Tags are set (never removed: other tools tag too, and the deploy id tag is kept).
 */
export type Settings =
  | { type: 'vpc'; tags: Tags }
  | { type: 'subnet'; tags: Tags; public: boolean }
  | { type: 'internet-gateway'; tags: Tags; vpcId: string }
  | { type: 'route-table'; tags: Tags; subnetIds: string[]; internetGatewayId?: string }
  | { type: 'security-group'; tags: Tags; ingress: SecurityRule[]; egress?: SecurityRule[] }
  | { type: 'instance'; tags: Tags }
  | {
      type: 'bucket';
      tags: Tags;
      versioning: boolean;
      encryption: boolean;
      blockPublicAccess: boolean;
    };

/** One change `converge` made, for the job log: `authorize ingress tcp 443 0.0.0.0/0`. */
export type ConvergeReport = { resource: Resource; changes: string[] };

export interface InstancesSpec {
  imageId: string;
  instanceType: string;
  count: number;
  subnetId: string;
  securityGroupIds: string[];
  keyName?: string;
  rootVolumeGiB?: number;
  userData?: string;
  tags: Tags;
  /** RunInstances idempotency: a retried or resumed deploy gets the first call's instances back. */
  clientToken: string;
}

/** The bucket alone: S3 cannot tag or configure a bucket in its create call; `converge` does. */
export interface BucketSpec {
  name: string;
  region: string;
}

/**
 * Everything the workers and the CLI do to a cloud, behind one interface: the AWS account (`kind: 'aws'`) and
 * the demo cloud (`kind: 'demo'`) behave the same to their callers, errors included (AWS error codes).
 *
 * Resources vanish between a scan and an action: every action reports that as `gone` or leaves the id out,
 * never as a failure.
 */
export interface CloudProvider {
  readonly kind: CloudKind;
  /** Shown in the status bar: `DEMO` for the demo cloud, `AWS profile NAME` / `AWS` for an account. */
  readonly label: string;

  identity(signal?: AbortSignal): Promise<Identity>;
  /** The regions enabled for the account. */
  listRegions(signal?: AbortSignal): Promise<string[]>;

  // Scan (issue 4 §2)
  /** Instances, VPCs, subnets, security groups, internet gateways, route tables, volumes, key pairs. */
  scanRegion(region: string, signal?: AbortSignal): Promise<Resource[]>;
  /** Every bucket of the account, each with its own region. */
  scanBuckets(signal?: AbortSignal): Promise<Resource[]>;

  // Servers and project power (§4, §6)
  /** Current state of these instances; ids that no longer exist are left out. */
  describeInstances(region: string, ids: string[], signal?: AbortSignal): Promise<Resource[]>;
  startInstances(region: string, ids: string[], signal?: AbortSignal): Promise<InstanceStateChange[]>;
  stopInstances(region: string, ids: string[], signal?: AbortSignal): Promise<InstanceStateChange[]>;
  rebootInstances(region: string, ids: string[], signal?: AbortSignal): Promise<void>;
  /** Live (not terminated) instances tagged with the project, across the given or all enabled regions. */
  instancesOfProject(
    project: string,
    options?: { regions?: string[]; signal?: AbortSignal },
  ): Promise<Resource[]>;
  /** Resolves when the instance reaches the state (a vanished instance counts as terminated). */
  waitInstanceState(
    region: string,
    id: string,
    state: InstanceTargetState,
    options?: WaitOptions,
  ): Promise<void>;

  // Delete (§5)
  /** One resource; DependencyViolation is retried with bounded backoff before it is thrown. */
  deleteResource(r: Resource, options: DeleteOptions): Promise<DeleteOutcome>;
  /** Breaks a security-group cycle: removes the group's rules that reference these groups. Returns how many. */
  revokeGroupReferences(
    region: string,
    groupId: string,
    referenced: string[],
    signal?: AbortSignal,
  ): Promise<number>;

  // Deploy (issue 5)
  /**
   * An AMI id that exists in the region, from an id (`ami-…`, checked) or an SSM public parameter alias
   * (`ssm:/aws/service/…`, resolved). Images are per region: an id from another region is InvalidAMIID.NotFound.
   */
  resolveImage(region: string, image: string, signal?: AbortSignal): Promise<string>;
  /**
   * Resources of a type whose tags include all of `tags` (the look-up before a create). Servers still shutting
   * down are included (a destroy taken over after TerminateInstances waits for them); terminated ones are not.
   */
  findByTags(region: string, type: ResourceType, tags: Tags, signal?: AbortSignal): Promise<Resource[]>;
  createVpc(region: string, spec: VpcSpec, signal?: AbortSignal): Promise<Resource>;
  createSubnet(region: string, spec: SubnetSpec, signal?: AbortSignal): Promise<Resource>;
  createInternetGateway(region: string, spec: InternetGatewaySpec, signal?: AbortSignal): Promise<Resource>;
  createRouteTable(region: string, spec: RouteTableSpec, signal?: AbortSignal): Promise<Resource>;
  createSecurityGroup(region: string, spec: SecurityGroupSpec, signal?: AbortSignal): Promise<Resource>;
  runInstances(region: string, spec: InstancesSpec, signal?: AbortSignal): Promise<Resource[]>;
  createBucket(spec: BucketSpec, signal?: AbortSignal): Promise<Resource>;
  /**
   * Makes the resource's managed settings what `settings` says (see `Settings`); safe to repeat. `fresh`: `r` is
   * the create call's own answer, so an EC2 resource is not read again first (a bucket always is: S3's defaults
   * are not in CreateBucket's answer).
   */
  converge(r: Resource, settings: Settings, signal?: AbortSignal, fresh?: boolean): Promise<ConvergeReport>;
  /**
   * A bucket of this account by name, with its tags and settings (versioning, encryption, public-access block),
   * or undefined when the account has none of that name (another account's bucket is not ours).
   */
  findBucket(name: string, signal?: AbortSignal): Promise<Resource | undefined>;
  /**
   * Whether an object exists (S3 HeadObject, in the bucket's own region): false when the key or the bucket is not
   * there; anything else (access denied, throttling past retries) is thrown.
   */
  objectExists(bucket: string, key: string, signal?: AbortSignal): Promise<boolean>;
}
