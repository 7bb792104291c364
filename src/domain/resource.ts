/** The resource types infradeck scans, shows and deletes. */
export const resourceTypes = [
  'instance',
  'vpc',
  'subnet',
  'security-group',
  'internet-gateway',
  'route-table',
  'volume',
  'key-pair',
  'bucket',
] as const;

export type ResourceType = (typeof resourceTypes)[number];

/** What a project's tag look-up asks for (everything a blueprint makes, and the servers' root volumes). */
export const projectResourceTypes: readonly ResourceType[] = [
  'vpc',
  'subnet',
  'internet-gateway',
  'route-table',
  'security-group',
  'instance',
  'volume',
  'bucket',
];

/** The tag that says which infradeck project a resource belongs to. */
export const projectTag = 'infradeck:project';

/**
 * The scope of the S3 bucket scan. Buckets are listed once per account, not per region; each bucket still
 * carries its own `region`.
 */
export const globalScope = 'global';

/** Ids of related resources, in the words of the resource that holds them. */
export interface ResourceRefs {
  vpc?: string;
  subnet?: string;
  /** Instance: its groups. Security group: the groups its rules reference. */
  securityGroups?: string[];
  /** Instance: the volumes attached to it. */
  volumes?: string[];
  /** Volume: the instance it is attached to. */
  instance?: string;
  /** Route table: the subnets explicitly associated with it. */
  subnets?: string[];
  /** Route table: the internet gateways its routes point at. */
  internetGateways?: string[];
  /** Instance: its key pair's name. */
  keyPair?: string;
}

export interface Resource {
  type: ResourceType;
  id: string;
  /** The `Name` tag. */
  name?: string;
  /** For a bucket, the region it lives in. */
  region: string;
  /** `running`, `stopped`, `available`, `in-use`, `attached`… */
  state?: string;
  /** The `infradeck:project` tag. */
  project?: string;
  /** Milliseconds since the epoch. */
  createdAt?: number;
  /** The key detail shown in a table column: instance type and private IP, CIDR, size. */
  detail: string;
  tags: Record<string, string>;
  refs: ResourceRefs;
  /**
   * Made by AWS with its VPC and removed with it (the main route table, the default security group):
   * it cannot be deleted on its own.
   */
  implicit?: boolean;
  /** Every attribute, for the details view. */
  raw?: Record<string, unknown>;
}

export interface RegionScan {
  account: string;
  /** A region name, or `global` for the bucket scan. */
  region: string;
  /** Milliseconds since the epoch. */
  scannedAt: number;
  resources: Resource[];
  /** Why the region could not be scanned. A failed scan keeps the resources of the last good one. */
  error?: string;
}

/** A job's effect on what exists, applied to the index the moment the job reports it. */
export type ResourceChange =
  | { kind: 'state'; region: string; id: string; state: string }
  | { kind: 'deleted'; region: string; id: string }
  | { kind: 'upsert'; resource: Resource };

export interface ResourceQuery {
  type?: ResourceType | ResourceType[];
  project?: string;
  region?: string;
  /** Words that must all appear in id, name, state, region, project, detail or a tag. Case-insensitive. */
  text?: string;
}

export function resourceKey(r: Pick<Resource, 'region' | 'id'>): string {
  return `${r.region}/${r.id}`;
}

/**
 * How a log line names a resource: `short` `i-0abc (web)`, `typed` `i-0abc (instance web)`, `full`
 * `instance i-0abc (web) in eu-west-1`.
 */
export function describeResource(
  r: Pick<Resource, 'type' | 'id' | 'name' | 'region'>,
  form: 'short' | 'typed' | 'full' = 'short',
): string {
  switch (form) {
    case 'short':
      return r.name ? `${r.id} (${r.name})` : r.id;
    case 'typed':
      return `${r.id} (${r.type}${r.name ? ` ${r.name}` : ''})`;
    case 'full':
      return `${r.type} ${r.id}${r.name ? ` (${r.name})` : ''} in ${r.region}`;
  }
}

export function tagsToRecord(
  tags: readonly { Key?: string; Value?: string }[] | undefined,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const t of tags ?? []) if (t.Key) out[t.Key] = t.Value ?? '';
  return out;
}

export function scanAgeMs(scan: Pick<RegionScan, 'scannedAt'>, now: number): number {
  return Math.max(0, now - scan.scannedAt);
}

export function isStale(scan: Pick<RegionScan, 'scannedAt'>, now: number, maxAgeMs: number): boolean {
  return scanAgeMs(scan, now) > maxAgeMs;
}

/** Type names and the short aliases a person types: `:ec2`, `:sg`, `:s3`, `:igw`, `:rtb`, `:ebs`, `:key`. */
const typeAliases: Record<string, ResourceType> = {
  instance: 'instance',
  instances: 'instance',
  ec2: 'instance',
  server: 'instance',
  vpc: 'vpc',
  vpcs: 'vpc',
  subnet: 'subnet',
  subnets: 'subnet',
  sg: 'security-group',
  'security-group': 'security-group',
  'security-groups': 'security-group',
  igw: 'internet-gateway',
  'internet-gateway': 'internet-gateway',
  rtb: 'route-table',
  'route-table': 'route-table',
  'route-tables': 'route-table',
  volume: 'volume',
  volumes: 'volume',
  ebs: 'volume',
  key: 'key-pair',
  'key-pair': 'key-pair',
  'key-pairs': 'key-pair',
  keypair: 'key-pair',
  bucket: 'bucket',
  buckets: 'bucket',
  s3: 'bucket',
};

export function parseResourceType(word: string): ResourceType | undefined {
  return typeAliases[word.trim().toLowerCase()];
}

const haystacks = new WeakMap<Resource, string>();

function haystack(r: Resource): string {
  let h = haystacks.get(r);
  if (h === undefined) {
    const parts = [r.type, r.id, r.name, r.region, r.state, r.project, r.detail];
    for (const [k, v] of Object.entries(r.tags)) parts.push(k, v);
    h = parts.filter(Boolean).join('\u0000').toLowerCase();
    haystacks.set(r, h);
  }
  return h;
}

export function matchesQuery(r: Resource, q: ResourceQuery): boolean {
  if (q.type !== undefined) {
    if (Array.isArray(q.type) ? !q.type.includes(r.type) : r.type !== q.type) return false;
  }
  if (q.project !== undefined && r.project !== q.project) return false;
  if (q.region !== undefined && r.region !== q.region) return false;
  if (q.text) {
    const h = haystack(r);
    for (const word of q.text.toLowerCase().split(/\s+/)) if (word && !h.includes(word)) return false;
  }
  return true;
}

/**
 * Everything the scans found, one entry per scan scope (a region, or `global` for buckets), plus the
 * changes jobs reported since. Immutable: every change returns a new index, so a store can hold it as is.
 */
export class ResourceIndex {
  private constructor(
    private readonly scanByScope: ReadonlyMap<string, RegionScan>,
    private readonly byKey: ReadonlyMap<string, Resource>,
    /** Which scope each resource came from, so a rescan of the scope replaces exactly its resources. */
    private readonly scopeOf: ReadonlyMap<string, string>,
  ) {}

  private allCache?: Resource[];

  static empty(): ResourceIndex {
    return new ResourceIndex(new Map(), new Map(), new Map());
  }

  static fromScans(scans: Iterable<RegionScan>): ResourceIndex {
    let index = ResourceIndex.empty();
    for (const scan of scans) index = index.withScan(scan);
    return index;
  }

  get size(): number {
    return this.byKey.size;
  }

  /** Every resource, in scan order. */
  get all(): readonly Resource[] {
    this.allCache ??= [...this.byKey.values()];
    return this.allCache;
  }

  /** The latest scan of each scope, with its time and error, for freshness and failed regions. */
  get scans(): readonly RegionScan[] {
    return [...this.scanByScope.values()];
  }

  scan(scope: string): RegionScan | undefined {
    return this.scanByScope.get(scope);
  }

  get(region: string, id: string): Resource | undefined {
    return this.byKey.get(resourceKey({ region, id }));
  }

  /** The resource with this id in any region (ids are unique across regions for everything we scan). */
  find(id: string): Resource | undefined {
    for (const r of this.byKey.values()) if (r.id === id) return r;
    return undefined;
  }

  query(q: ResourceQuery = {}): Resource[] {
    return this.all.filter((r) => matchesQuery(r, q));
  }

  projects(): string[] {
    const set = new Set<string>();
    for (const r of this.byKey.values()) if (r.project) set.add(r.project);
    return [...set].sort();
  }

  /**
   * Resources this one refers to and resources that refer to it, in the same region: an instance's subnet,
   * VPC, groups and volumes; a VPC's subnets, gateways, tables, groups and instances.
   */
  related(r: Resource): Resource[] {
    const ids = new Set(refIds(r));
    const out: Resource[] = [];
    for (const other of this.byKey.values()) {
      if (other === r || other.region !== r.region) continue;
      const usesKey = other.type === 'key-pair' && other.name !== undefined && other.name === r.refs.keyPair;
      const keyUser = r.type === 'key-pair' && r.name !== undefined && other.refs.keyPair === r.name;
      if (ids.has(other.id) || usesKey || keyUser || refIds(other).includes(r.id)) out.push(other);
    }
    return out;
  }

  /**
   * Replace everything of the scan's scope. A failed scan keeps the last good resources (still visible,
   * with the error beside them) rather than emptying the region.
   */
  withScan(scan: RegionScan): ResourceIndex {
    const scope = scan.region;
    const prior = this.scanByScope.get(scope);
    if (scan.error) {
      const kept: RegionScan = prior
        ? { ...prior, error: scan.error }
        : { ...scan, resources: [], scannedAt: scan.scannedAt };
      const scans = new Map(this.scanByScope);
      scans.set(scope, kept);
      return new ResourceIndex(scans, this.byKey, this.scopeOf);
    }
    const byKey = new Map(this.byKey);
    const scopeOf = new Map(this.scopeOf);
    for (const [key, s] of this.scopeOf) {
      if (s === scope) {
        byKey.delete(key);
        scopeOf.delete(key);
      }
    }
    for (const r of scan.resources) {
      const key = resourceKey(r);
      byKey.set(key, r);
      scopeOf.set(key, scope);
    }
    const scans = new Map(this.scanByScope);
    scans.set(scope, scan);
    return new ResourceIndex(scans, byKey, scopeOf);
  }

  apply(change: ResourceChange): ResourceIndex {
    return this.applyAll([change]);
  }

  /** Apply a batch of changes with one copy of the index. */
  applyAll(changes: Iterable<ResourceChange>): ResourceIndex {
    let byKey: Map<string, Resource> | undefined;
    let scopeOf: Map<string, string> | undefined;
    const writable = () => {
      byKey ??= new Map(this.byKey);
      scopeOf ??= new Map(this.scopeOf);
      return { byKey, scopeOf };
    };
    for (const change of changes) {
      const current = byKey ?? this.byKey;
      switch (change.kind) {
        case 'state': {
          const key = resourceKey(change);
          const r = current.get(key);
          if (r && r.state !== change.state) writable().byKey.set(key, { ...r, state: change.state });
          break;
        }
        case 'deleted': {
          const key = resourceKey(change);
          const gone = current.get(key);
          if (gone) {
            const w = writable();
            w.byKey.delete(key);
            w.scopeOf.delete(key);
            // The main route table and default security group go with their VPC.
            if (gone.type === 'vpc') {
              for (const [k, r] of w.byKey) {
                if (r.implicit && r.region === gone.region && r.refs.vpc === gone.id) {
                  w.byKey.delete(k);
                  w.scopeOf.delete(k);
                }
              }
            }
          }
          break;
        }
        case 'upsert': {
          const key = resourceKey(change.resource);
          const w = writable();
          w.byKey.set(key, change.resource);
          if (!w.scopeOf.has(key)) {
            w.scopeOf.set(key, change.resource.type === 'bucket' ? globalScope : change.resource.region);
          }
          break;
        }
      }
    }
    if (!byKey || !scopeOf) return this;
    return new ResourceIndex(this.scanByScope, byKey, scopeOf);
  }
}

/** Every id a resource refers to. */
export function refIds(r: Resource): string[] {
  return typedRefs(r)
    .filter(([type]) => type !== 'key-pair')
    .map(([, id]) => id);
}

/** What each kind of reference points at. */
const refType: Record<keyof ResourceRefs, ResourceType> = {
  vpc: 'vpc',
  subnet: 'subnet',
  securityGroups: 'security-group',
  volumes: 'volume',
  instance: 'instance',
  subnets: 'subnet',
  internetGateways: 'internet-gateway',
  keyPair: 'key-pair',
};

/**
 * Every reference of `r`, each once, in the order of its refs, with what it points at: an id, or for a key pair
 * its name.
 */
export function typedRefs(r: Resource): [ResourceType, string][] {
  const out: [ResourceType, string][] = [];
  const seen = new Set<string>();
  for (const [kind, value] of Object.entries(r.refs) as [
    keyof ResourceRefs,
    string | string[] | undefined,
  ][]) {
    const type = refType[kind];
    if (!type) continue;
    for (const id of Array.isArray(value) ? value : value ? [value] : []) {
      if (seen.has(`${type} ${id}`)) continue;
      seen.add(`${type} ${id}`);
      out.push([type, id]);
    }
  }
  return out;
}
