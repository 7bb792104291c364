import * as z from 'zod';
import { JobRefused, refusedPrefix } from './refusal';
import {
  globalScope,
  type RegionScan,
  type Resource,
  type ResourceChange,
  type ResourceIndex,
  resourceTypes,
} from './resource';

/**
 * The cloud jobs: `scan`, `terminate`, `power` and `instances`. Their payloads are what a console (or the CLI)
 * queues; their results are stored with the job; their events (`scan.region`, `resource.changed`) are how
 * every console keeps its `ResourceIndex` current, whichever host ran the job.
 */

const regionSchema = z
  .string()
  .min(1)
  .max(50)
  .regex(/^[a-z0-9][a-z0-9-]*$/, 'not a region name (like eu-west-1)');

const accountSchema = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9._-]+$/, 'not an account id');

/** `region/id` (a `resourceKey`) or a bare id, which the worker looks for in every region. */
const resourceRefSchema = z
  .string()
  .min(1)
  .max(300)
  .regex(
    /^(?:[a-z0-9][a-z0-9-]*\/)?[A-Za-z0-9][A-Za-z0-9._:-]*$/,
    'not a resource id or region/id (like eu-west-1/i-0abc)',
  );

/** Set by a console or command in read-only mode: the worker refuses the job (it checks its own flag too). */
const readOnlyField = z.boolean().default(false);

/**
 * The account the console acts on. When given, a worker acting on another account (another profile, or the
 * DEMO cloud because it has no credentials) refuses the job instead of touching the wrong account.
 */
const accountField = accountSchema.optional();

export const scanPayloadSchema = z
  .object({
    /** Regions to scan; all regions enabled for the account when absent. */
    regions: z.array(regionSchema).min(1).max(64).optional(),
    /** Scan the account's S3 buckets too (the `global` scope). */
    buckets: z.boolean().default(true),
    account: accountField,
  })
  .strict();

export const terminatePayloadSchema = z
  .object({
    /** What the user selected: resource keys (`region/id`) or ids. */
    ids: z.array(resourceRefSchema).min(1, 'nothing selected').max(1000),
    /** The typed confirmation: the number of resources selected, or their project's name. */
    confirm: z.string().max(200),
    /** The user explicitly agreed that buckets are emptied (every object version) before they are deleted. */
    emptyBuckets: z.boolean().default(false),
    readOnly: readOnlyField,
    account: accountField,
  })
  .strict();

export const powerPayloadSchema = z
  .object({
    /** The `infradeck:project` tag value. */
    project: z.string().min(1).max(256),
    on: z.boolean(),
    /** Regions to look in; all enabled regions when absent. */
    regions: z.array(regionSchema).min(1).max(64).optional(),
    /** Wait until every instance is running (stopped) before the job completes. */
    wait: z.boolean().default(true),
    readOnly: readOnlyField,
    account: accountField,
  })
  .strict();

export const instanceActions = ['start', 'stop', 'reboot'] as const;
export type InstanceAction = (typeof instanceActions)[number];

export const instancesPayloadSchema = z
  .object({
    action: z.enum(instanceActions),
    region: regionSchema,
    ids: z
      .array(z.string().regex(/^i-[0-9a-f]{1,32}$/, 'not an instance id (i-…)'))
      .min(1, 'no instance given')
      .max(1000),
    /** Start/stop: wait until the instances are running (stopped). */
    wait: z.boolean().default(true),
    readOnly: readOnlyField,
    account: accountField,
  })
  .strict();

export type ScanPayload = z.output<typeof scanPayloadSchema>;
export type TerminatePayload = z.output<typeof terminatePayloadSchema>;
export type PowerPayload = z.output<typeof powerPayloadSchema>;
export type InstancesPayload = z.output<typeof instancesPayloadSchema>;

/** One scope of a scan as the job result lists it (the resources themselves went out as `scan.region`). */
export interface ScannedScope {
  /** A region, or `global` for the buckets. */
  region: string;
  resources: number;
  scannedAt: number;
  error?: string;
}

export interface ScanResult {
  account: string;
  cloud: 'aws' | 'demo';
  /** In the order they finished. */
  regions: ScannedScope[];
  /** Scopes that could not be scanned (their errors are in `regions`). */
  failed: string[];
  resources: number;
  /** Scopes scanned fine whose cache file could not be written. */
  cacheErrors: string[];
  /** Where the scans were written; absent when the worker has no workspace folder. */
  cacheDir?: string;
}

/** A resource as results and reports name it. */
export interface ResourceSummary {
  type: Resource['type'];
  id: string;
  region: string;
  name?: string;
  project?: string;
}

export interface TerminateResult {
  account: string;
  /** How many the user selected. */
  requested: number;
  deleted: ResourceSummary[];
  /** Gone before we came to them: not in the cloud any more when re-read, or gone when deleted. */
  gone: ResourceSummary[];
  /** Selected ids the cloud does not know (any more): vanished between the scan and the action. */
  missing: string[];
  skipped: { resource: ResourceSummary; reason: string }[];
  /** Left-behind warnings of the plan: something not selected still uses a selected resource. */
  warnings: string[];
}

export interface InstanceOutcome {
  id: string;
  region: string;
  name?: string;
  previous?: string;
  /** The state reached (or, without waiting, the state AWS reported). */
  current?: string;
  error?: string;
}

export interface PowerResult {
  account: string;
  project: string;
  on: boolean;
  instances: InstanceOutcome[];
}

export interface InstancesResult {
  account: string;
  action: InstanceAction;
  region: string;
  instances: InstanceOutcome[];
  /** Ids the cloud does not know (any more). */
  missing: string[];
}

// ---- events ---------------------------------------------------------------------------------------

/** The event types the cloud jobs publish, besides the `job.*` ones. */
export const cloudEventTypes = {
  /** One scope of a scan finished (or failed): `data: ScanRegionEventData`. */
  scanRegion: 'scan.region',
  /** A job changed resources: `data: ResourceChangedEventData`. */
  resourceChanged: 'resource.changed',
} as const;

export interface ScanRegionEventData {
  cloud: 'aws' | 'demo';
  /** The whole scan of the scope, resources included; `scan.error` when it failed. */
  scan: RegionScan;
  /** Scopes finished so far, failures included, and how many the scan has. */
  done: number;
  total: number;
}

export interface ResourceChangedEventData {
  account: string;
  changes: ResourceChange[];
}

/** A summary of a resource for results and events. */
export function summarize(r: Resource): ResourceSummary {
  return {
    type: r.type,
    id: r.id,
    region: r.region,
    ...(r.name ? { name: r.name } : {}),
    ...(r.project ? { project: r.project } : {}),
  };
}

const resourceTypeSet = new Set<string>(resourceTypes);

function isResource(value: unknown): value is Resource {
  if (typeof value !== 'object' || value === null) return false;
  const r = value as Record<string, unknown>;
  return (
    typeof r.type === 'string' &&
    resourceTypeSet.has(r.type) &&
    typeof r.id === 'string' &&
    typeof r.region === 'string' &&
    typeof r.detail === 'string' &&
    typeof r.tags === 'object' &&
    r.tags !== null &&
    typeof r.refs === 'object' &&
    r.refs !== null
  );
}

function isRegionScan(value: unknown): value is RegionScan {
  if (typeof value !== 'object' || value === null) return false;
  const s = value as Record<string, unknown>;
  return (
    typeof s.account === 'string' &&
    typeof s.region === 'string' &&
    typeof s.scannedAt === 'number' &&
    Array.isArray(s.resources) &&
    (s.error === undefined || typeof s.error === 'string')
  );
}

function isChange(value: unknown): value is ResourceChange {
  if (typeof value !== 'object' || value === null) return false;
  const c = value as Record<string, unknown>;
  switch (c.kind) {
    case 'state':
      return typeof c.region === 'string' && typeof c.id === 'string' && typeof c.state === 'string';
    case 'deleted':
      return typeof c.region === 'string' && typeof c.id === 'string';
    case 'upsert':
      return isResource(c.resource);
    default:
      return false;
  }
}

/**
 * The console's reducer for cloud events: a `scan.region` replaces its scope, a `resource.changed` applies
 * the changes. Events of another account (a worker on another profile, or on the DEMO cloud) are ignored
 * when `account` is given, and so is anything malformed (an event from another version): the index is never
 * broken by bad data. Returns the same index when nothing applies.
 */
export function applyCloudEvent(
  index: ResourceIndex,
  event: { type: string; data?: unknown },
  account?: string,
): ResourceIndex {
  const data = event.data as Record<string, unknown> | undefined;
  if (!data || typeof data !== 'object') return index;
  if (event.type === cloudEventTypes.scanRegion) {
    const scan = data.scan;
    if (!isRegionScan(scan)) return index;
    if (account !== undefined && scan.account !== account) return index;
    const resources = scan.resources.filter(isResource);
    return index.withScan(resources.length === scan.resources.length ? scan : { ...scan, resources });
  }
  if (event.type === cloudEventTypes.resourceChanged) {
    if (account !== undefined && data.account !== account) return index;
    if (!Array.isArray(data.changes)) return index;
    return index.applyAll(data.changes.filter(isChange));
  }
  return index;
}

// ---- confirmation and refusals ---------------------------------------------------------------------

/** What the user may type to confirm deleting `selected`: their number, or their project when they share one. */
export function confirmationChoices(count: number, projects: Iterable<string | undefined>): string[] {
  const choices = [String(count)];
  const set = new Set(projects);
  if (set.size === 1) {
    const [only] = set;
    if (only) choices.push(only);
  }
  return choices;
}

/** Whether `typed` confirms: exactly one of the choices, ignoring surrounding spaces. */
export function confirms(typed: string, choices: readonly string[]): boolean {
  return choices.includes(typed.trim());
}

/** The refusal for a change asked in read-only mode, or undefined when the job may go on. */
export function readOnlyRefusal(
  what: string,
  fromPayload: boolean,
  fromWorker: boolean | undefined,
): JobRefused | undefined {
  if (!fromPayload && !fromWorker) return undefined;
  const by = fromWorker
    ? 'this worker runs read-only (--readonly or INFRADECK_READONLY)'
    : 'the console that queued it is in read-only mode';
  return new JobRefused(`${what}: read-only mode (${by}); nothing was changed`);
}

/** The refusal for a job meant for another account than the worker's, or undefined. */
export function accountRefusal(
  what: string,
  wanted: string | undefined,
  worker: { account: string; cloud: 'aws' | 'demo' },
): JobRefused | undefined {
  if (wanted === undefined || wanted === worker.account) return undefined;
  const mine = worker.cloud === 'demo' ? `the DEMO cloud (${worker.account})` : `account ${worker.account}`;
  return new JobRefused(
    `${what}: queued for account ${wanted}, but this worker acts on ${mine}; nothing was changed ` +
      '(run workers with the same credentials as the console)',
  );
}

// ---- descriptions ----------------------------------------------------------------------------------

function listIds(ids: readonly string[], max = 3): string {
  const shown = ids.slice(0, max).join(', ');
  return ids.length > max ? `${shown} and ${ids.length - max} more` : shown;
}

/** One line for tables and the audit trail. */
export function describeCloudJob(kind: string, payload: unknown): string | undefined {
  if (typeof payload !== 'object' || payload === null) return undefined;
  const p = payload as Record<string, unknown>;
  const strings = (v: unknown) => (Array.isArray(v) ? v.map(String) : []);
  switch (kind) {
    case 'scan': {
      const regions = strings(p.regions);
      const where = regions.length ? listIds(regions, 4) : 'all regions';
      return `scan ${where}${p.buckets === false ? ' (no buckets)' : ''}`;
    }
    case 'terminate': {
      const ids = strings(p.ids);
      return `terminate ${ids.length} resource${ids.length === 1 ? '' : 's'}: ${listIds(ids)}${p.emptyBuckets ? ' (emptying buckets)' : ''}`;
    }
    case 'power':
      return `power ${p.on ? 'on' : 'off'} project ${String(p.project)}`;
    case 'instances': {
      const ids = strings(p.ids);
      return `${String(p.action)} ${ids.length === 1 ? 'instance' : `${ids.length} instances`} in ${String(p.region)}: ${listIds(ids)}`;
    }
    default:
      return undefined;
  }
}

/** How old a scan may be before the screen and `infradeck resources` call it stale (default). */
export const defaultStaleAfterMs = 60 * 60_000;

/** The scope a resource's scan belongs to: buckets are listed once per account. */
export function scopeOf(r: Pick<Resource, 'type' | 'region'>): string {
  return r.type === 'bucket' ? globalScope : r.region;
}

export { JobRefused, refusedPrefix };
